#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int limit = 43;
int total(int x) { return x > limit ? limit : x; }
