/* A one-thread program that notices when suture, borrowing its only
 * thread for a call (async_call.h), changes anything it could see:
 *   - fpu_bad: a value kept in SSE registers across a long loop changed;
 *   - ymm_bad: the upper half of a ymm register changed (glibc's AVX
 *     string functions end with vzeroupper);
 *   - rt: real-time signals received (each one queued: none may be lost);
 *   - answer: what answer() returns (2 once patched with -DPATCH_ANSWER);
 *   - other: with -c, SIGURG, SIGWINCH and SIGCHLD are caught (signals
 *     ignored by default, which suture may use): how many came.
 * Prints a status line every 50 ms. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t rt, other;
static void on_rt(int sig)
{
	(void)sig;
	rt++;
}

static void on_other(int sig)
{
	(void)sig;
	other++;
}

__attribute__((noinline)) int answer(int x)
{
#ifdef PATCH_ANSWER
	return x + 2;
#else
	return x + 1;
#endif
}

/* Sums a series in SSE registers: the same result every time. */
__attribute__((noinline)) static double series(void)
{
	double a = 1.0, b = 0.0;
	for (long i = 0; i < 2000000; i++) {
		b += a;
		a *= 0.9999999;
	}
	return b;
}

/* All ones in ymm9 across a spin; 1 when it came back different. */
static int ymm_changed(void)
{
	int bad;
	__asm__ volatile("vpcmpeqd %%ymm9, %%ymm9, %%ymm9\n\t"
			 "mov $3000000, %%ecx\n"
			 "1:\n\t"
			 "dec %%ecx\n\t"
			 "jnz 1b\n\t"
			 "vpcmpeqd %%ymm10, %%ymm10, %%ymm10\n\t"
			 "vpxor %%ymm9, %%ymm10, %%ymm11\n\t"
			 "vptest %%ymm11, %%ymm11\n\t"
			 "setnz %%al\n\t"
			 "movzbl %%al, %0\n\t"
			 "vzeroupper"
			 : "=r"(bad) : : "rax", "rcx", "xmm9", "xmm10", "xmm11", "cc");
	return bad;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_rt;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGRTMIN, &sa, NULL);
	if (argc > 1 && strcmp(argv[1], "-c") == 0) {
		sa.sa_handler = on_other;
		sigaction(SIGURG, &sa, NULL);
		sigaction(SIGWINCH, &sa, NULL);
		sigaction(SIGCHLD, &sa, NULL);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	const double expect = series();
	long fpu_bad = 0, ymm_bad = 0, rounds = 0, last = now_ms();
	int seen_answer = 0;
	printf("ready\n");
	for (;;) {
		if (series() != expect)
			fpu_bad++;
		ymm_bad += ymm_changed();
		seen_answer = answer(1);
		rounds++;
		if (now_ms() - last >= 50) {
			last = now_ms();
			printf("rounds=%ld fpu_bad=%ld ymm_bad=%ld rt=%d answer=%d other=%d\n", rounds, fpu_bad, ymm_bad,
			       (int)rt, seen_answer, (int)other);
		}
	}
}
