/* A test target for the entry forms (docs/entry-padding.md): functions
 * whose first instruction is RIP-relative, a push, a function of one or
 * two instructions, one entered by a tail call, one by a function
 * pointer; a hammer thread calls the smallest one in a tight loop, so
 * suture stops it at every byte of its start sooner or later.  Every
 * result is checked against the versions that exist (V: 1 as built, 1000
 * with PATCH_V2, 2000 with PATCH_V3); each status line says
 *
 *   calls=N bad=N rip=V push=V tiny=V tail=V ptr=V
 *
 * with V the version each path returned last (0: a value no version
 * gives, also counted in bad). */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#if defined(PATCH_V2)
#define V 1000
#elif defined(PATCH_V3)
#define V 2000
#else
#define V 1
#endif

static volatile int base = 7;
static volatile long calls, bad;

/* starts with mov base(%rip), %eax */
__attribute__((noipa)) int rip_first(void)
{
	return base + V;
}

__attribute__((noipa)) static int twice(int x)
{
	return x * 2;
}

/* starts with push (a callee-saved register kept across the calls) */
__attribute__((noipa)) int push_first(int x)
{
	int a = twice(x);
	int b = twice(a);
	return a + b - 5 * x + V;
}

/* lea V(%rdi), %eax ; ret */
__attribute__((noipa)) int tiny(int x)
{
	return x + V;
}

/* jmp tiny: tiny entered by a tail call */
__attribute__((noipa)) int tail(int x)
{
	return tiny(x + 1);
}

int (*volatile pointer)(int) = tiny;

/* Which version gave R for an input X: 1, 1000, 2000, or 0 (none). */
static int version(int r, int x)
{
	for (int v = 1; v <= 2000; v = v == 1 ? 1000 : v + 1000)
		if (r == x + v)
			return v;
	__atomic_add_fetch(&bad, 1, __ATOMIC_RELAXED);
	return 0;
}

static void *hammer(void *arg)
{
	for (int i = 0;; i++) {
		version(tiny(i & 0xff), i & 0xff);
		__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	pthread_t t;
	pthread_create(&t, NULL, hammer, NULL);
	printf("ready\n");
	for (;;) {
		int rip = version(rip_first(), base);
		int push = version(push_first(5), 5);
		int tn = version(tiny(3), 3);
		int tl = version(tail(3), 4);
		int ptr = version(pointer(9), 9);
		printf("calls=%ld bad=%ld rip=%d push=%d tiny=%d tail=%d ptr=%d\n", calls, bad, rip, push, tn, tl,
		       ptr);
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}
