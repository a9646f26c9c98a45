#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int limit = 42;
static int floor_value = 3;
int total(int x) { return x > limit ? limit : x < floor_value ? floor_value : x * 2; }
