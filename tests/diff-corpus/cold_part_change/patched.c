#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int g1, g2, g3;
extern void report(const char *, ...) __attribute__((cold));
int work(int x, int y) {
	int r = 0;
	for (int i = 0; i < x; i++) {
		r += i * y;
		if (r > 1000000) {
			report("overflow %d %d\n", x, y);
			g2 = x - y; g3 = x * y - g2; g1 = g3 / (y | 1);
			report("again %d %d %d\n", g1, g2, g3);
			r = 0;
		}
	}
	return r;
}
int other(int x) { return x * 11; }
