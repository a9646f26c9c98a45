#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __attribute__((noinline)) int scale(int x, int k) { int s = 0; for (int i = 0; i < x; i++) s += i * k + 1; return s; }
int s1(int x) { return scale(x, 7); }
int s2(int x) { return scale(x + 1, 7); }
int s3(int x) { return x + 7; }
