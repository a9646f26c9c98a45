/* A test target for gdb backtraces through patch code: the main thread
 * and a worker thread serve(): call handle() in a loop, napping between calls.
 * The patched handle() (-DPATCH_BLOCK) waits in a function of its own,
 * patched_wait(), that only the patch has, until SIGUSR1: until then both
 * threads sit in the patch's code, two frames deep.  -DPATCH_REWAIT: a
 * patch of handle() with a new function of another name,
 * patched_wait_again(), that does not wait. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>

static volatile int served;
static volatile sig_atomic_t release;

static void on_usr1(int sig)
{
	(void)sig;
	release = 1;
}

static void nap_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000 };
	nanosleep(&ts, NULL);
}

#ifdef PATCH_BLOCK
__attribute__((noinline)) static void patched_wait(int n)
{
	while (!release)
		nap_ms(10);
	served += n & 1;
}
#endif
#ifdef PATCH_REWAIT
__attribute__((noinline)) static void patched_wait_again(int n)
{
	served += n & 3;
}
#endif

__attribute__((noinline)) int handle(int n)
{
#ifdef PATCH_BLOCK
	patched_wait(n);
	return n + 2;
#elif defined PATCH_REWAIT
	patched_wait_again(n);
	return n + 3;
#else
	return n + 1;
#endif
}

__attribute__((noinline)) void *serve(void *arg)
{
	(void)arg;
	for (int i = 0;; i++) {
		nap_ms(5);
		served += handle(i) & 1;
	}
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGUSR1, on_usr1);
	pthread_t worker;
	pthread_create(&worker, NULL, serve, NULL);
	printf("ready\n");
	serve(NULL);
}
