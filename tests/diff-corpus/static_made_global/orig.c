#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __attribute__((noinline)) int helper(int x) { printf("%d\n", x); return x + 1; }
int api(int x) { return helper(x) * 2; }
