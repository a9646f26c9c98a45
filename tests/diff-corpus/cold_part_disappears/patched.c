#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int g1, g2, g3;
extern void report(const char *, ...) __attribute__((cold));
int work(int x, int y) {
	int r = 0;
	for (int i = 0; i < x; i++) {
		r += i * y;
	}
	return r;
}
int other(int x) { return x * 11; }
