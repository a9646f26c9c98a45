#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int a(int x) { return x + 1; }
int b(int x) { return x * 2; }
