/* A test target for the `thread` consistency model: many threads call
 * caller(), which calls compute(); PATCH_PROTO changes compute()'s
 * prototype and its caller together.  Every call checks that caller and
 * callee are of one version (a tag passed along, and the result), so any
 * thread that ever reached a new callee from an old caller, or the
 * reverse, is counted in `mismatch`.  Every 20 ms the main thread prints
 *
 *   calls=N new=N mismatch=N fork_gap_us=N fork_rt=N forks=N signals=N
 *
 * (fork_gap_us: the forking thread's longest gap since the last line;
 * fork_rt=1 when that thread runs SCHED_FIFO, so that its gaps are the
 * times it was stopped, not the times it waited for a CPU)
 *
 *   universes [-w N] [-b] [-c] [-s] [-f]
 *     -w N  N worker threads calling caller() in a loop (default 2)
 *     -b    one thread held in hold() until SIGUSR1 (prints "hold tid=T"), then
 *           never again (prints "left hold")
 *     -c    one thread creating short-lived threads that call caller()
 *     -s    one thread that gets SIGUSR2 every millisecond; its handler
 *           calls caller()
 *     -f    one thread that forks a child every 100 ms and reaps it; it
 *           keeps the longest gap between two of its clock reads, taken
 *           every GAP_SLEEP_US */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile long calls, new_calls, mismatch, forks, signals;
static volatile long fork_gap_ns;
static volatile int fork_rt;
static volatile sig_atomic_t released;

__attribute__((noipa)) static int compute(int x, int tag
#ifdef PATCH_PROTO
	, int extra
#endif
	)
{
#ifdef PATCH_PROTO
	__atomic_add_fetch(&new_calls, 1, __ATOMIC_RELAXED);
	if (tag != 2 || extra != 7)
		__atomic_add_fetch(&mismatch, 1, __ATOMIC_RELAXED);
	return x * 2 + 2;
#else
	if (tag != 1)
		__atomic_add_fetch(&mismatch, 1, __ATOMIC_RELAXED);
	return x * 2 + 1;
#endif
}

__attribute__((noipa)) int caller(int x)
{
	/* some work before the call, so that threads are often found here */
	for (volatile int i = 0; i < 200; i++)
		;
#ifdef PATCH_PROTO
	int r = compute(x, 2, 7);
	if (r != x * 2 + 2)
		__atomic_add_fetch(&mismatch, 1, __ATOMIC_RELAXED);
#else
	int r = compute(x, 1);
	if (r != x * 2 + 1)
		__atomic_add_fetch(&mismatch, 1, __ATOMIC_RELAXED);
#endif
	__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
	return r;
}

/* Stays here (a frame of hold() on its stack) until SIGUSR1. */
__attribute__((noipa)) void hold(void)
{
	while (!released) {
		struct timespec ts = { 0, 2 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
#ifdef PATCH_PROTO
	__atomic_add_fetch(&new_calls, 1, __ATOMIC_RELAXED);
#endif
}

static long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void block(int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
}

static void *worker(void *arg)
{
	block(SIGUSR1);
	block(SIGUSR2);
	for (int i = 0;; i++) {
		caller(i & 0xffff);
		/* as much work again outside: a thread is not always in caller() */
		for (volatile int k = 0; k < 400; k++)
			;
	}
	return NULL;
}

static void *holder(void *arg)
{
	block(SIGUSR2);
	printf("hold tid=%ld\n", (long)syscall(SYS_gettid));
	fflush(stdout);
	hold();
	printf("left hold\n");
	fflush(stdout);
	for (;;)
		pause();
	return NULL;
}

static void *short_lived(void *arg)
{
	*(int *)arg = caller(3);
	return NULL;
}

static void *spawner(void *arg)
{
	block(SIGUSR1);
	block(SIGUSR2);
	for (;;) {
		pthread_t t;
		int result = 0;
		if (pthread_create(&t, NULL, short_lived, &result) == 0)
			pthread_join(t, NULL);
		if (result == 0)
			__atomic_add_fetch(&mismatch, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void on_usr2(int sig)
{
	caller(5);
	signals++;
}

static void *signalled(void *arg)
{
	block(SIGUSR1);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	for (;;)
		pause();
	return NULL;
}

/* How the forking thread measures its gaps: a clock read, then a sleep
 * of GAP_SLEEP_US, again and again, at real-time priority (when allowed,
 * as root): its gaps are then GAP_SLEEP_US plus the time it could not run
 * for another reason than other programs wanting the CPU, i.e. the time
 * suture held it stopped (a stop that begins during the sleep shows whole
 * in the gap).  Sleeping, it leaves the CPU to others; spinning at normal
 * priority, every gap would also hold the waits for a CPU of a loaded
 * machine (tens of ms on 2 cores). */
#define GAP_SLEEP_US 200

static void *forker(void *arg)
{
	block(SIGUSR1);
	block(SIGUSR2);
	struct sched_param rt = { .sched_priority = 1 };
	fork_rt = sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &rt) == 0;
	long last = now_ns(), next_fork = last;
	for (;;) {
		struct timespec pause = { 0, GAP_SLEEP_US * 1000 };
		nanosleep(&pause, NULL);
		long t = now_ns();
		if (t - last > fork_gap_ns)
			fork_gap_ns = t - last;
		last = t;
		if (t >= next_fork) {
			pid_t child = fork();
			if (child == 0)
				_exit(0);
			if (child > 0)
				waitpid(child, NULL, 0);
			forks++;
			next_fork = t + 100 * 1000 * 1000;
			last = now_ns();   /* the fork's own time is not a gap */
		}
	}
	return NULL;
}

static void on_usr1(int sig)
{
	released = 1;
}

int main(int argc, char **argv)
{
	int workers = 2, opt;
	int want_hold = 0, want_spawn = 0, want_signals = 0, want_fork = 0;
	while ((opt = getopt(argc, argv, "w:bcsf")) != -1) {
		if (opt == 'w')
			workers = atoi(optarg);
		else if (opt == 'b')
			want_hold = 1;
		else if (opt == 'c')
			want_spawn = 1;
		else if (opt == 's')
			want_signals = 1;
		else if (opt == 'f')
			want_fork = 1;
	}
	signal(SIGUSR1, on_usr1);
	struct sigaction sa = { .sa_handler = on_usr2, .sa_flags = SA_RESTART };
	sigaction(SIGUSR2, &sa, NULL);
	block(SIGUSR2);
	pthread_t t, sig_thread;
	for (int i = 0; i < workers; i++)
		pthread_create(&t, NULL, worker, NULL);
	if (want_hold)
		pthread_create(&t, NULL, holder, NULL);
	if (want_spawn)
		pthread_create(&t, NULL, spawner, NULL);
	if (want_signals)
		pthread_create(&sig_thread, NULL, signalled, NULL);
	if (want_fork)
		pthread_create(&t, NULL, forker, NULL);
	block(SIGUSR1);
	printf("ready\n");
	fflush(stdout);
	for (long tick = 0;; tick++) {
		struct timespec ts = { 0, 1000 * 1000 };
		nanosleep(&ts, NULL);
		if (want_signals)
			pthread_kill(sig_thread, SIGUSR2);
		if (tick % 20 == 0) {
			printf("calls=%ld new=%ld mismatch=%ld fork_gap_us=%ld fork_rt=%d forks=%ld signals=%ld\n",
			       calls, new_calls, mismatch, fork_gap_ns / 1000, fork_rt, forks, signals);
			fork_gap_ns = 0;
			fflush(stdout);
		}
	}
}
