/* Calls lib_add() of libroomlib.so through the PLT, from a thread in
 * bursts and from main once per tick, checking every answer against
 * the versions that exist (roomlib.c); each status line says
 *
 *   calls=N bad=N lib=V
 *
 * with V the version main's last call returned (0: none, also in bad). */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

int lib_add(int x);

#include "versions.h"

static volatile long calls;

/* Bursts of 100 calls, 1 ms apart: a thread that stands at the room's jump
 * when a revert under 'none' writes the room's int3 back dies (a runtime
 * bug that tests/test_room_steps.py shows on purpose); a tight loop would
 * stand there at one revert in 40. */
static void *caller(void *arg)
{
	(void)arg;
	for (int i = 0;; i++) {
		version(lib_add(i & 0xff), i & 0xff);
		__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
		if (i % 100 == 0)
			nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
	}
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	pthread_t t;
	pthread_create(&t, NULL, caller, NULL);
	printf("ready\n");
	for (;;) {
		int v = version(lib_add(3), 3);
		printf("calls=%ld bad=%ld lib=%d\n", calls, bad, v);
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}
