#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __attribute__((noinline)) int scale(int x, int k) { printf("%d\n", x); return x * k; }
int api(int x) { return scale(x, 3) + 1; }
int keep(int x) { return scale(x, 4) - 1; }
