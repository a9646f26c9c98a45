#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int api(int x, const char *name, long extra) { printf("%s\n", name); return x + 1 + (int)extra; }
int other(int x) { return x * 3; }
