#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hits;
int api(int x) { return x; }
int count(void) { return hits; }
