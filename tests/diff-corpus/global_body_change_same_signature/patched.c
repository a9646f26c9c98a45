#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct point { int x, y; };
long norm(const struct point *p, ...) { return (long)p->x * p->x + (long)p->y * p->y + 1; }
