#include "shared.h"
/* ipa-cp in this unit: every call passes step = 4. */
static __attribute__((noinline)) int advance(int pos, int step) { sink = pos; return pos + step; }
int unit2_walk(int a) { return clamp_add(advance(a, 4), 2); }
int unit2_skip(int a) { return advance(a * 2, 4); }
