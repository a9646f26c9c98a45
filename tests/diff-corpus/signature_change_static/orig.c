#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __attribute__((noinline)) int scale(int x) { printf("%d\n", x); return x * 3; }
int api(int x) { return scale(x) + 1; }
int keep(int x) { return scale(x + 1) - 1; }
