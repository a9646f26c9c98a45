#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *name(int i) { return i ? "uno" : "zero"; }
const char *other(int i) { return i ? "yes" : "no"; }
