#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__thread int depth;
int enter(void) { depth += 2; return depth; }
