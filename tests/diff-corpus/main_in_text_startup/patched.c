#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) { printf("%d %s\n", argc, argv[0]); return argc > 5; }
