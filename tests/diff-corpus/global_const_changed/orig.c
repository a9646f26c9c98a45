#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const int version_code = 7;
int version(void) { return version_code; }
