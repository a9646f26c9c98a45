#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int api(int x) { return x + 1; }
