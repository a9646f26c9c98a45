#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int a(void) { static int n; return ++n; }
int b(void) { static int n; return n += 3; }
