/* One of each kind of clone GCC's IPA makes at -O2. */
extern volatile int sink;
struct pt { int x, y, z; };

/* ipa-cp: every caller passes k = 3, so scale.constprop.0 has no k.
 * (tests change what cp_user1 passes with -DCP_USER1_K=...) */
#ifndef CP_USER1_K
#define CP_USER1_K 3
#endif
static __attribute__((noinline)) int scale(int x, int k) { sink = x; return x * k + 1; }
int cp_user1(int x) { return scale(x, CP_USER1_K) + 1; }
int cp_user2(int x) { return scale(x + 1, 3) - 1; }

/* ipa-sra: only p->x is read, so get_x.isra.0 takes an int. */
static __attribute__((noinline)) int get_x(struct pt *p) { sink = 1; return p->x * 3; }
int sra_user1(struct pt *p) { return get_x(p) + 1; }
int sra_user2(struct pt *p) { return get_x(p) + 2; }

/* A clone of a clone: constprop (k = 5), then isra on that. */
static __attribute__((noinline)) int both(struct pt *p, int k) { sink = k; return p->y * k; }
int both_user1(struct pt *p) { return both(p, 5); }
int both_user2(struct pt *p) { return both(p, 5) + 1; }

/* Hot/cold splitting: the unlikely branch goes to slowpath.cold, which is
 * part of slowpath. */
extern void report(int);
__attribute__((noinline)) int slowpath(int x)
{
	if (__builtin_expect(x > 1000000, 0)) {
		report(x);
		report(x + 1);
		return -1;
	}
	return x + 2;
}
int cold_user(int x) { return slowpath(x) + 1; }
