#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int add(int a, int b) { return a + b; }
int mul(int a, int b) { return a * b; }
