#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int next_id(void) { static int count = 10; return ++count; }
