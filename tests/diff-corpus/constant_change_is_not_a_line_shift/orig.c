#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int usleep_wrapper(int);
int timeout(void) { return usleep_wrapper(100); }
