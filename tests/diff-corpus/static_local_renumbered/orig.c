#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int first(void) { return rand(); }
int second(void) { static int count; return ++count; }
