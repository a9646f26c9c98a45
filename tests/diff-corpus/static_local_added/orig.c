#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int next_id(void) { return rand() % 100; }
int other(void) { return 5; }
