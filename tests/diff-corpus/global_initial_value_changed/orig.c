#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int limit = 42;
int total(int x) { return x > limit ? limit : x; }
