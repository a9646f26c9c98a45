#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int next_id(void) { static int count; return ++count; }
