#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void greet(const char *who) { printf("hello %s\n", who); puts("and welcome"); }
void bye(const char *who) { printf("bye %s\n", who); }
