#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int next_id(void) { static int calls; calls++; return rand() % 100 + calls; }
int other(void) { return 5; }
