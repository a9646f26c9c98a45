#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int small[] = { 1, 2, 3 };
static const int large[] = { 100, 200, 300 };
static const int *const tables[] = { small, large };
int lookup(int t, int i) { return tables[t & 1][i % 3]; }
int first_small(void) { return small[0]; }
