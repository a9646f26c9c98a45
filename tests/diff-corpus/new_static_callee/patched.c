#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __attribute__((noinline)) int valid_char(const char *s) { printf("check %s\n", s); return s[0] >= 'a'; }
int check(const char *s) { return strlen(s) > 3 && valid_char(s); }
