/* A tiny service for the patch store tests: answers each request on a
 * UNIX socket with answer(N).  answer() lives in the program, or in
 * libanswer.so when built with -DANSWER_IN_LIBRARY; with -DLATE the
 * library is dlopen'ed at the first request "load".  -DOTHER_BUILD makes
 * another build of the same program (same code, another build-id). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef LATE
#include <dlfcn.h>
#include <time.h>
static int (*answer)(int);
#elif defined ANSWER_IN_LIBRARY
int answer(int x);
#else
__attribute__((noinline)) int answer(int x)
{
	return x + 1;
}
#endif

#ifdef OTHER_BUILD
__attribute__((used)) static const char build_tag[] = "another build";
#endif

static void reply(int conn)
{
	char req[512] = "";
	ssize_t len = read(conn, req, sizeof req - 1);
	if (len <= 0)
		return;
	req[len] = '\0';
	char out[640];
#ifdef LATE
	if (strncmp(req, "load ", 5) == 0) {
		/* The time of the dlopen, for bench/watch.py. */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		void *lib = dlopen(req + 5, RTLD_NOW);
		answer = lib ? (int (*)(int))dlsym(lib, "answer") : NULL;
		snprintf(out, sizeof out, "%s %.6f\n", answer ? "loaded" : dlerror(),
			 ts.tv_sec + ts.tv_nsec / 1e9);
		write(conn, out, strlen(out));
		return;
	}
	if (!answer) {
		write(conn, "not loaded\n", 11);
		return;
	}
#endif
	snprintf(out, sizeof out, "%d\n", answer(atoi(req)));
	write(conn, out, strlen(out));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: service SOCKET\n");
		return 2;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof addr.sun_path, "%s", argv[1]);
	unlink(argv[1]);
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 16) < 0) {
		perror(argv[1]);
		return 1;
	}
	for (;;) {
		int conn = accept(fd, NULL, NULL);
		if (conn < 0)
			continue;
		reply(conn);
		close(conn);
	}
}
