#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int b(void) { static int n; return n += 2; }
int a(void) { static int n; return ++n; }
