/* A test target that uses no variable of libc (no stderr, environ, optarg,
 * optind), so that it has no copy relocation for any: a patch that starts
 * using one reaches libc's own, far from the patch.  Prints value(i) once
 * per tick with write(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

__attribute__((noinline)) int value(int x)
{
#if defined(PATCH_STDERR)
	fprintf(stderr, "patched %d\n", x);   /* reads libc's stderr */
	return 2 * x + 1000;
#elif defined(PATCH_ENVIRON)
	/* reads libc's environ (mov environ(%rip), %reg) */
	return 2 * x + 1000 + (environ && environ[0] ? 0 : 1);
#elif defined(PATCH_ADDRESS)
	/* takes the address of libc's optarg (lea optarg(%rip), %reg) */
	char **volatile where = &optarg;
	return 2 * x + 1000 + (where == &optarg ? 0 : 1);
#elif defined(PATCH_STORE)
	optind = x;                           /* writes libc's optind */
	return 2 * x + 1000;
#else
	return 2 * x + 1;
#endif
}

static void say(const char *text)
{
	ssize_t unused = write(1, text, strlen(text));
	(void)unused;
}

int main(void)
{
	say("ready\n");
	for (int i = 0;; i++) {
		char line[32];
		snprintf(line, sizeof line, "%d\n", value(i));
		say(line);
		struct timespec nap = { 0, 10 * 1000 * 1000 };
		nanosleep(&nap, NULL);
	}
}
