#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mode = 2;
int get_mode(void) { return mode; }
