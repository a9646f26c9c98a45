/* The target of bench/load.py: a multi-threaded TCP server on loopback.
 * Each connection gets a thread; each request line "N\n" is answered with
 * "answer(N)\n".  Built once as is and once with -DPATCHED: the patch
 * computes the same answers another way, so a client can check every
 * answer across any number of applies and reverts.
 *
 *   server PORTFILE    listens on an ephemeral port, writes it to PORTFILE */
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

__attribute__((noinline)) long answer(long n)
{
#ifdef PATCHED
	return 3 * n + 7;
#else
	volatile long three = 3;   /* other code, the same answers */
	return three * n + 7;
#endif
}

static void *serve(void *arg)
{
	int fd = (int)(long)arg;
	FILE *in = fdopen(fd, "r");
	char line[64];
	while (fgets(line, sizeof line, in)) {
		char out[64];
		int len = snprintf(out, sizeof out, "%ld\n", answer(strtol(line, NULL, 10)));
		if (write(fd, out, (size_t)len) != len)
			break;
	}
	fclose(in);
	return NULL;
}

int main(int argc, char **argv)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof addr;
	if (argc != 2 || bind(s, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(s, 64) < 0 ||
	    getsockname(s, (struct sockaddr *)&addr, &len) < 0)
		return 1;
	FILE *f = fopen(argv[1], "w");
	fprintf(f, "%d\n", ntohs(addr.sin_port));
	fclose(f);
	for (;;) {
		int c = accept(s, NULL, NULL);
		pthread_t t;
		if (c >= 0 && pthread_create(&t, NULL, serve, (void *)(long)c) == 0)
			pthread_detach(t);
	}
}
