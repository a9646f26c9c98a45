#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char greeting[] = "hello";
const char *current = greeting;
const char *get(void) { return current; }
