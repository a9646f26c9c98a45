/* A test target for suture apply: prints answer(i) once per tick, so the
 * test sees which version of answer() runs.  Compiled several times with
 * one of the PATCH_* macros to make the patched objects.
 *
 *   ticker [-t THREADS] [-b] [-x SECONDS]
 *     -t N  N more threads, half blocked in nanosleep(), half in read() on
 *           a pipe; each prints "EINTR" if its system call ever fails so
 *     -b    one more thread that sits in slow() until SIGUSR1
 *     -x S  exit after S seconds
 *     -c    one more thread that keeps creating short-lived threads, each
 *           calling answer() once (threads are born during apply)
 *     -w    one more thread that loops calling outer(), which sleeps in inner() */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef ORIG_ADD
#define ORIG_ADD 1                /* another value makes another answer() */
#endif
#ifndef SLOW_MS
#define SLOW_MS 5                 /* another value makes another slow() */
#endif

static int counter;               /* a static variable of the target */
__thread int calls;               /* a thread-local variable of the target */
static volatile sig_atomic_t released;
static volatile int naps;
static int pipe_fds[2];

__attribute__((noinline)) static int helper(int x)
{
#ifdef PATCH_HELPER
	return x * 3;
#else
	return x * 2;
#endif
}

__attribute__((noinline)) int answer(int x)
{
	counter++;
	calls++;
#if defined(PATCH_ANSWER)
	return helper(x) + 1000;
#elif defined(PATCH_ANSWER2)
	return helper(x) + 2000;
#elif defined(PATCH_STATE)
	/* reads the target's static and thread-local variables */
	return 100000 + (counter == calls ? 1 : 0) * 10000 + (counter > 1 ? 1 : 0);
#elif defined(PATCH_LIBC)
	/* libc functions the original never imported (strlen is an IFUNC) */
	char buf[32];
	snprintf(buf, sizeof buf, "pid %d", (int)getpid());
	return (int)strlen(buf) == 0 ? -1 : getpid();
#elif defined(PATCH_CALLBACKS)
	return helper(x) + 1000;
#elif defined(PATCH_UNDEFINED)
	extern int suture_test_no_such_function(int);
	return suture_test_no_such_function(x);
#else
	return helper(x) + ORIG_ADD;
#endif
}

#ifdef PATCH_CALLBACKS
/* The patch's callbacks (tests add their records to the patch file): each
 * says it ran; pre-patch refuses when TICKER_REFUSE is set in the target. */
int ticker_pre_patch(void)
{
	printf("pre-patch\n");
	return getenv("TICKER_REFUSE") ? 7 : 0;
}

int ticker_post_patch(void)
{
	printf("post-patch %d\n", answer(0));
	return 0;
}

int ticker_pre_unpatch(void)
{
	printf("pre-unpatch\n");
	return 0;
}

int ticker_post_unpatch(void)
{
	printf("post-unpatch %d\n", answer(0));
	return 0;
}
#endif

/* Sits here (a frame of slow() on its stack) until SIGUSR1. */
__attribute__((noinline)) void slow(void)
{
	while (!released) {
		struct timespec ts = { 0, SLOW_MS * 1000 * 1000 };
		nanosleep(&ts, NULL);
		naps += SLOW_MS;          /* SLOW_MS in the code's own bytes */
	}
#ifdef PATCH_SLOW
	fprintf(stderr, "patched slow\n");
#endif
	__asm__ volatile("" ::: "memory");
}

static void on_usr1(int sig)
{
	(void)sig;
	released = 1;
}

/* The test's SIGUSR1 is sent to the process and the kernel may hand it to
 * any thread that does not block it.  nanosleep() is never restarted after
 * a handler, so a sleeper that took it would print EINTR for a reason that
 * is not suture's: the sleepers and readers leave SIGUSR1 to the others. */
static void leave_sigusr1_to_others(void)
{
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
}

static void *sleeper(void *arg)
{
	(void)arg;
	leave_sigusr1_to_others();
	for (;;) {
		struct timespec ts = { 3600, 0 };
		if (nanosleep(&ts, NULL) != 0)
			printf(errno == EINTR ? "EINTR nanosleep\n" : "SYSERR nanosleep %d\n", errno);
	}
	return NULL;
}

static void *reader(void *arg)
{
	(void)arg;
	leave_sigusr1_to_others();
	char c;
	for (;;)
		if (read(pipe_fds[0], &c, 1) < 0)
			printf(errno == EINTR ? "EINTR read\n" : "SYSERR read %d\n", errno);
	return NULL;
}

static void *short_lived(void *arg)
{
	*(int *)arg = answer(1);
	return NULL;
}

static void *spawner(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_t t;
		int result = 0;
		if (pthread_create(&t, NULL, short_lived, &result) == 0)
			pthread_join(t, NULL);
		if (result == 0)
			printf("spawn failed\n");
	}
	return NULL;
}

__attribute__((noinline)) void inner(void)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	nanosleep(&ts, NULL);
#ifdef PATCH_INNER
	naps++;
#endif
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void outer(void)
{
	inner();
#ifdef PATCH_OUTER
	naps += 2;
#endif
	__asm__ volatile("" ::: "memory");
}

static void *outer_thread(void *arg)
{
	(void)arg;
	for (;;)
		outer();
	return NULL;
}

static void *slow_thread(void *arg)
{
	(void)arg;
	slow();
	printf("left slow\n");
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = 0, exit_after = 0, busy = 0, churn = 0, nested = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
			threads = atoi(argv[++i]);
		else if (strcmp(argv[i], "-x") == 0 && i + 1 < argc)
			exit_after = atoi(argv[++i]);
		else if (strcmp(argv[i], "-b") == 0)
			busy = 1;
		else if (strcmp(argv[i], "-c") == 0)
			churn = 1;
		else if (strcmp(argv[i], "-w") == 0)
			nested = 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGUSR1, on_usr1);
	if (pipe(pipe_fds) != 0)
		return 1;
	pthread_t t;
	for (int i = 0; i < threads; i++)
		pthread_create(&t, NULL, i % 2 ? reader : sleeper, NULL);
	if (busy)
		pthread_create(&t, NULL, slow_thread, NULL);
	if (churn)
		pthread_create(&t, NULL, spawner, NULL);
	if (nested)
		pthread_create(&t, NULL, outer_thread, NULL);
	printf("ready\n");
	time_t start = time(NULL);
	for (int i = 0;; i++) {
		printf("%d\n", answer(i));
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		/* EINTR is fine here (SIGUSR1 has a handler); any other error is
		 * a system call that did not restart as it should */
		if (nanosleep(&ts, NULL) != 0 && errno != EINTR)
			printf("SYSERR nanosleep %d\n", errno);
		if (exit_after && time(NULL) - start >= exit_after)
			exit(0);
	}
}
