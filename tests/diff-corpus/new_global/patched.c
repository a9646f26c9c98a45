#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int total_calls;
int total(int x) { total_calls++; return x * 2; }
