#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int total(int x) { return x * 2; }
