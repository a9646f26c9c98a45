#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int op_add(int a, int b) { return a + b; }
static int op_sub(int a, int b) { return a - b; }
int (*const ops[])(int, int) = { op_add, op_sub };
int apply(int i, int a, int b) { return ops[i & 1](a, b); }
