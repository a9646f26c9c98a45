/* A corpus that provokes each IPA transformation the -fease-live-patching
 * levels talk about, at plain -O2 (tests/test_cc_levels.py).  Each block
 * names the transformation and the function that shows it. */
#include <stdlib.h>
#include <string.h>

volatile int sink;

/* Inlining of a static function: sq into use_static. */
static int sq(int x)
{
	return x * x + sink;
}

int use_static(int x)
{
	return sq(x) + 1;
}

/* Inlining of a global function: glob_add into use_global. */
int glob_add(int a, int b)
{
	return a + b + sink;
}

int use_global(int x)
{
	return glob_add(x, 2) * 3;
}

/* always_inline is inlined at every level, even none. */
static inline __attribute__((always_inline)) int forced(int x)
{
	return x ^ 0x5a5a;
}

int use_forced(int x)
{
	return forced(x) + 7;
}

/* ipa-cp: every caller passes factor 7, so GCC specialises scale into
 * scale.constprop.0. */
static __attribute__((noinline)) int scale(int x, int factor)
{
	int r = 0;
	for (int i = 0; i < x; i++)
		r += factor * i + sink;
	return r;
}

int cp_one(int x) { return scale(x, 7); }
int cp_two(int x) { return scale(x + 1, 7) * 2; }

/* ipa-sra: only p->a is used, so GCC passes it by value to
 * sum_a.isra.0. */
struct big { int a; int pad[64]; };

static __attribute__((noinline)) int sum_a(const struct big *p, int unused)
{
	int r = 0;
	for (int i = 0; i < p->a; i++)
		r += i ^ sink;
	return r;
}

int sra_user(const struct big *p) { return sum_a(p, 3) + sum_a(p + 1, 4); }

/* Partial inlining: the cheap test of find_slow is inlined into its
 * callers, the expensive rest becomes find_slow.part.0. */
static int table[512];

static int find_slow(int key)
{
	if (key < 0)
		return -1;
	int hits = 0;
	for (int i = 0; i < 512; i++) {
		if (table[i] == key)
			hits += i;
		if (table[i] == key * 3)
			hits -= i / 2;
		table[i] ^= sink;
	}
	for (int i = 0; i < 512; i++)
		hits += table[(i * 7) & 511] * sink;
	return hits;
}

int part_one(int k) { return find_slow(k) + 1; }
int part_two(int k) { return find_slow(k * 2) + 2; }

/* ipa-icf: twin_b has the very same body as twin_a; GCC folds it into a
 * call or alias of twin_a. */
int twin_a(const int *p, int n)
{
	int r = 0;
	for (int i = 0; i < n; i++) {
		r += p[i] * (i + 3);
		if (p[i] > r)
			r ^= p[i] << 3;
		else
			r -= p[(i * 5) % n] / 7;
	}
	for (int i = n - 1; i >= 0; i--)
		r = r * 31 + p[i] + sink;
	return r;
}

int twin_b(const int *p, int n)
{
	int r = 0;
	for (int i = 0; i < n; i++) {
		r += p[i] * (i + 3);
		if (p[i] > r)
			r ^= p[i] << 3;
		else
			r -= p[(i * 5) % n] / 7;
	}
	for (int i = n - 1; i >= 0; i--)
		r = r * 31 + p[i] + sink;
	return r;
}

/* ipa-ra: leaf clobbers few registers; with ipa-ra, ra_caller keeps x in
 * a call-clobbered register across the call instead of saving a
 * callee-saved one. */
__attribute__((noinline)) int leaf(int v)
{
	return v * 5 + 1;
}

int ra_caller(int x)
{
	int y = leaf(x);
	return y + x * x;
}

/* Pure/const discovery: pure_sum only reads memory; with ipa-pure-const,
 * pc_caller calls it once instead of twice. */
__attribute__((noinline)) int pure_sum(const int *p, int n)
{
	int r = 0;
	for (int i = 0; i < n; i++)
		r += p[i];
	return r;
}

int pc_caller(const int *p, int n)
{
	return pure_sum(p, n) + pure_sum(p, n);
}

/* .cold splitting (hot/cold partitioning, not IPA): the unlikely error path
 * of checked_copy goes to checked_copy.cold. */
int checked_copy(char *dst, const char *src, size_t n)
{
	if (__builtin_expect(n > 4096, 0)) {
		memset(dst, 0, 16);
		abort();
	}
	memcpy(dst, src, n);
	return (int)n;
}
