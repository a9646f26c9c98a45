/* Calls lib_add() of libroomlib.so through the PLT, from a thread in a
 * tight loop and from main once per tick, checking every answer against
 * the versions that exist (roomlib.c); each status line says
 *
 *   calls=N bad=N lib=V
 *
 * with V the version main's last call returned (0: none, also in bad). */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

int lib_add(int x);

static volatile long calls, bad;

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
	(void)arg;
	for (int i = 0;; i++) {
		version(lib_add(i & 0xff), i & 0xff);
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
		int v = version(lib_add(3), 3);
		printf("calls=%ld bad=%ld lib=%d\n", calls, bad, v);
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}
