#include "shared.h"
/* A shared library with its own clones, called by the program. */
static __attribute__((noinline)) int lib_scale(int x, int k) { sink = x; return x * k; }
int lib_entry(int x) { return clamp_add(lib_scale(x, 6), 3); }
int lib_other(int x) { return lib_scale(x, 6) + 1; }
