#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((destructor)) static void bye(void) { puts("goodbye"); }
int api(void) { return 1; }
