#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ready;
int api(void) { return ready; }
