#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mode;
int get_mode(void) { return mode; }
