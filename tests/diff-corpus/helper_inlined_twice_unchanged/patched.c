#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline int sq(int x) { return x * x; }
int dist(int a, int b) { return sq(a) + sq(b) + 1; }
