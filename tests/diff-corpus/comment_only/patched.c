#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Returns its argument plus one. */
int api(int x) { return x + 1; }
