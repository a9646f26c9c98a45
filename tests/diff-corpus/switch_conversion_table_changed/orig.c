#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int code_of(int x) { switch (x) { case 0: return 5; case 1: return 9; case 2: return 12; case 3: return 44; case 4: return 1; case 5: return 77; default: return 0; } }
int other(int x) { return x * 9; }
