#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline int clamp(int x) { return x < 0 ? 0 : x > 100 ? 100 : x; }
int red(int x) { return clamp(x * 2); }
int green(int x) { return clamp(x + 7); }
int blue(int x) { return x / 2; }
