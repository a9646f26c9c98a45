#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int impl_plain(int x) { return x * 2; }
int impl_fast(int x) { return x << 1; }
static void *resolve_twice(void) { return getenv("FAST") ? (void *)impl_fast : (void *)impl_plain; }
int twice(int) __attribute__((ifunc("resolve_twice")));
int use(int x) { return twice(x) + 1; }
