/* A test target for --all over many processes: `many N` runs N processes
 * of this program (itself and N-1 children), each calling work() now and
 * then, and prints "ready" once all of them exist.  Compiled again with
 * -DPATCH_WORK to make the patch. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((noinline)) int work(int x)
{
#ifdef PATCH_WORK
	return x + 2;
#else
	return x + 1;
#endif
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	for (int i = 1; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			break;
	}
	if (getpid() == getpgrp() || n == 1) {
		printf("ready\n");
		fflush(stdout);
	}
	for (int i = 0;; i++) {
		if (work(i) < 0)
			puts("?");
		sleep(1);
	}
}
