#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int impl(int x) { return x + 2; }
int alias_name(int) __attribute__((alias("impl")));
int other(int x) { return x; }
