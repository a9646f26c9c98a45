/* A test target for unwinding through patch code: a worker thread calls
 * work() in a loop; the patched work() (-DPATCH_WORK) calls backtrace()
 * and prints whether it sees its caller, then sleeps in a cancellation
 * point under a cleanup handler.  On SIGUSR1 the main thread cancels the
 * worker and joins it.  Built with -fexceptions, the cleanup handler runs
 * only if the unwinder can walk work()'s frame (glibc's pthread_cancel
 * is a forced unwind), and -rdynamic, so backtrace_symbols() names
 * worker_loop. */
#define _GNU_SOURCE
#include <execinfo.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t cancel_now;

static void on_usr1(int sig)
{
	(void)sig;
	cancel_now = 1;
}

static void cleanup(void *what)
{
	printf("cleanup %s\n", (const char *)what);
}

static void nap_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000 };
	nanosleep(&ts, NULL);          /* a cancellation point */
}

__attribute__((noinline)) void work(int round)
{
#ifdef PATCH_WORK
	void *frames[64];
	int n = backtrace(frames, 64);
	char **names = backtrace_symbols(frames, n);
	int seen = 0;
	for (int i = 0; names && i < n; i++)
		if (strstr(names[i], "(worker_loop+"))
			seen = 1;
	free(names);
	printf("patched work %d: %d frames, worker_loop %s\n", round, n, seen ? "seen" : "missing");
	pthread_cleanup_push(cleanup, "in patched work");
	nap_ms(20);
	pthread_cleanup_pop(0);
#else
	pthread_cleanup_push(cleanup, "in work");
	nap_ms(20);
	pthread_cleanup_pop(0);
	if (round % 50 == 0)
		printf("work %d\n", round);
#endif
}

__attribute__((noinline)) void *worker_loop(void *arg)
{
	(void)arg;
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);   /* the main thread takes it */
	for (int round = 0;; round++)
		work(round);
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGUSR1, on_usr1);
	pthread_t worker;
	pthread_create(&worker, NULL, worker_loop, NULL);
	printf("ready\n");
	while (!cancel_now)
		nap_ms(10);
	pthread_cancel(worker);
	pthread_join(worker, NULL);
	printf("joined\n");
	for (;;)
		pause();
}
