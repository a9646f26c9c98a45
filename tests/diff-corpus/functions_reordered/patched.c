#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int b(int x) { return x * 2; }
int a(int x) { return x + 1; }
