/* Inlining to any depth: leaf is inlined into mid, mid into top and
 * api_b, top into api_a.  Every static here disappears as a symbol. */
extern volatile int sink;

static int leaf(int x) { sink = x; return x + 1; }
static int mid(int x) { return leaf(x) * 2; }
static int top(int x) { return mid(x) + 3; }

int api_a(int x) { return top(x) + top(x + 1); }
int api_b(int x) { return mid(x) - 1; }

/* A global function small enough to inline: only levels that inline
 * global functions (inline, inline-clone) inline it into api_c. */
int global_small(int x) { sink = x; return x * 5; }
int api_c(int x) { return global_small(x) + 7; }

/* always_inline is honoured at every level, none included. */
static inline __attribute__((always_inline)) int forced(int x) { sink = x; return x - 9; }
int api_d(int x) { return forced(x) * 3; }
