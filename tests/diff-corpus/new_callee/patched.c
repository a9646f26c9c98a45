#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) int valid_char(char c) { return c >= 'a' && c <= 'z'; }
int check(const char *s) { return strlen(s) > 3 && valid_char(s[0]); }
