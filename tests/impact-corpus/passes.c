/* What a function passes to a callee ipa-cp specialised: pass_on passes
 * PASS_K (5) to g, as other does, so GCC makes g.constprop.0 without k.
 * host, into which pass_on is inlined, passes 7 to h on its own account:
 * h.constprop.0 depends on host's code, not on pass_on's.
 * With -DPASS_ON_ADDRESS_TAKEN pass_on also keeps out-of-line code. */
extern volatile int sink;

#ifndef PASS_K
#define PASS_K 5
#endif

static __attribute__((noinline)) int g(int x, int k) { sink = x; return x * k + 1; }
static __attribute__((noinline)) int h(int x, int k) { sink = x; return x + k * 3; }

static int pass_on(int x) { return g(x, PASS_K) + 1; }

int host(int x) { return pass_on(x) + h(x, 7); }
int other(int x) { return g(x + 1, 5) + h(x - 1, 7); }

#ifdef PASS_ON_ADDRESS_TAKEN
int (*pass_on_pointer)(int) = pass_on;
#endif
