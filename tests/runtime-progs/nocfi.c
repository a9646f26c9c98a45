/* A program with a thread whose stack cannot be walked: it sleeps below
 * no_cfi_loop, hand-written assembly without unwind information.
 *
 *     nocfi [-n]    prints answer(i) every 20 ms; -n adds the thread
 *
 * PATCH_ANSWER: answer() returns i + 1000 instead of i. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) int answer(int i)
{
#ifdef PATCH_ANSWER
	return i + 1000;
#else
	return i;
#endif
}

void nap(void)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

/* calls nap() forever; no .cfi_* directives, so no FDE covers it */
__asm__(".text\n"
	".globl no_cfi_loop\n"
	".type no_cfi_loop, @function\n"
	"no_cfi_loop:\n"
	"\tsub $8, %rsp\n"
	"1:\tcall nap\n"
	"\tjmp 1b\n"
	".size no_cfi_loop, .-no_cfi_loop\n");
void no_cfi_loop(void);

static void *looper(void *arg)
{
	no_cfi_loop();
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t t;
	if (argc > 1 && strcmp(argv[1], "-n") == 0)
		pthread_create(&t, NULL, looper, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	for (int i = 0;; i++) {
		printf("%d\n", answer(i));
		usleep(20 * 1000);
	}
}
