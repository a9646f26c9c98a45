#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct big { int a, b, c, d, e[20]; };
static __attribute__((noinline)) int usea(struct big *p) { return p->a * 3 + p->b + p->e[p->c]; }
int api1(struct big *p) { return usea(p) + 1; }
int api2(struct big *p) { return usea(p) + 2; }
