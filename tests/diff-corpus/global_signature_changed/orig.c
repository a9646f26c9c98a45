#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int api(int x, const char *name) { printf("%s\n", name); return x + 1; }
int other(int x) { return x * 3; }
