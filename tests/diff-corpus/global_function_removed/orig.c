#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int legacy(int x) { return x * 2; }
int api(int x) { return x + 1; }
