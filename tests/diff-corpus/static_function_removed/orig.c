#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __attribute__((noinline)) int old_way(int x) { printf("%d\n", x); return x * 2; }
int api(int x) { return old_way(x) + 1; }
