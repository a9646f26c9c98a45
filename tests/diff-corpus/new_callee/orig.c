#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int check(const char *s) { return strlen(s) > 3; }
