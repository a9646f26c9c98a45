#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((hot, noinline)) int hash(const char *s) { int h = 5381; while (*s) h = h * 31 + *s++; return h; }
int lookup(const char *s) { return hash(s) & 1023; }
