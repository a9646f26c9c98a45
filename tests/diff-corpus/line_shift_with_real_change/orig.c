#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <assert.h>
int get(int *p, int i) {
	assert(p != NULL);
	return p[i];
}
int put(int *p, int i, int v) {
	assert(i >= 0);
	p[i] = v;
	return v;
}
