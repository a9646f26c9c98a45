/* A test target for the entry forms (docs/entry-padding.md): functions
 * whose first instruction is RIP-relative, a push, a function of one or
 * two instructions, one entered by a tail call, one by a function
 * pointer, a loop whose head is the entry (a waiter thread spins in it
 * until main sets a flag); a hammer thread calls the smallest one in a
 * tight loop, so suture stops it at every byte of its start sooner or
 * later (tests/test_room_steps.py stops it, and the main thread in the
 * push one, at each on purpose).  Every result is checked against the
 * versions that exist (V: 1 as built, 1000 with PATCH_V2, 2000 with
 * PATCH_V3); each status line says
 *
 *   calls=N bad=N rip=V push=V tiny=V tail=V ptr=V loop=V waits=N
 *
 * with V the version each path returned last (0: a value no version
 * gives, also counted in bad). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "versions.h"

/* PATCH_TINY, PATCH_PUSH: tiny alone, push_first alone, as in PATCH_V2
 * (tests/test_room_steps.py: no other thread is in what they replace);
 * PATCH_TINY2: tiny as in PATCH_V3 */
#if defined(PATCH_TINY)
#define V_TINY 1000
#elif defined(PATCH_TINY2)     /* stacked on PATCH_TINY */
#define V_TINY 2000
#else
#define V_TINY V
#endif
#ifdef PATCH_PUSH
#define V_PUSH 1000
#else
#define V_PUSH V
#endif

static volatile int base = 7;
static volatile long calls;

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
	return a + b - 5 * x + V_PUSH;
}

/* lea V(%rdi), %eax ; ret */
__attribute__((noipa)) int tiny(int x)
{
	return x + V_TINY;
}

/* jmp tiny: tiny entered by a tail call */
__attribute__((noipa)) int tail(int x)
{
	return tiny(x + 1);
}

int (*volatile pointer)(int) = tiny;

/* The loop's head is the entry: mov (%rdi),%eax; test; je <entry> (a
 * build without suture-cc's room jumps back to the very bytes the
 * runtime replaces). */
__attribute__((noipa)) int wait_flag(volatile int *p)
{
	int v;
	while (!(v = *p))
		;
	return v + V;
}

static volatile int flag;
static volatile int loop_version = 1;
static volatile long waits;   /* waits ended: loop_version is the last one's */

static void *hammer(void *arg)
{
	for (int i = 0;; i++) {
		version(tiny(i & 0xff), i & 0xff);
		__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Waits in wait_flag until main sets the flag (about half of each 10 ms
 * tick), so a transition finds it inside the loop and outside. */
static void *waiter(void *arg)
{
	for (;;) {
		loop_version = version(wait_flag(&flag), 5);
		waits++;
		flag = 0;
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	pthread_t t, w;
	pthread_create(&t, NULL, hammer, NULL);
	pthread_create(&w, NULL, waiter, NULL);
	pthread_setname_np(t, "hammer");
	pthread_setname_np(w, "waiter");
	printf("ready\n");
	for (;;) {
		int rip = version(rip_first(), base);
		int push = version(push_first(5), 5);
		int tn = version(tiny(3), 3);
		int tl = version(tail(3), 4);
		int ptr = version(pointer(9), 9);
		flag = 5;
		printf("calls=%ld bad=%ld rip=%d push=%d tiny=%d tail=%d ptr=%d loop=%d waits=%ld\n", calls, bad,
		       rip, push, tn, tl, ptr, loop_version, waits);
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}
