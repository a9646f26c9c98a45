#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ready;
__attribute__((constructor)) static void setup(void) { ready = 2; }
int api(void) { return ready; }
