#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int days(int m) { switch (m) { case 1: return 31; case 2: return 29; case 3: return 31; case 4: return 30; case 5: return 31; case 6: return 30; default: return 0; } }
