#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char buf[64];
int store(const char *s, size_t n) { if (n > sizeof buf) return -1; memcpy(buf, s, n); return (int)n; }
const char *get(void) { return buf; }
