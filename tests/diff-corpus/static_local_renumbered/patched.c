#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int first(void) { static int seen; seen++; return rand() + seen; }
int second(void) { static int count; return ++count; }
