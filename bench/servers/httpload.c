/* httpload: steady HTTP/1.1 load for bench/servers.py (nginx).
 *
 *     httpload PORT CONNECTIONS CHUNK_MS
 *
 * CONNECTIONS threads each keep one keep-alive connection to 127.0.0.1:PORT
 * and send `GET /` back to back, reading each whole answer (headers, then
 * Content-Length bytes) before the next request.  A request fails when the
 * connection breaks or the status is not 200; the thread then reconnects.
 * Every CHUNK_MS the main thread prints one line and starts a new chunk:
 *
 *     CLOCK_MONOTONIC-ns requests failed max-latency-us
 *
 * (the requests that completed in the chunk), so that the bench can tell
 * which chunks overlapped an apply or a revert.  Runs until killed. */
#define _GNU_SOURCE /* strcasestr */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct chunk {
	pthread_mutex_t lock;
	uint64_t requests, failed, max_ns;
};

static struct chunk chunk = { .lock = PTHREAD_MUTEX_INITIALIZER };
static int port;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void note(uint64_t took_ns, int ok)
{
	pthread_mutex_lock(&chunk.lock);
	chunk.requests++;
	chunk.failed += !ok;
	if (took_ns > chunk.max_ns)
		chunk.max_ns = took_ns;
	pthread_mutex_unlock(&chunk.lock);
}

static int connect_once(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads one answer: 0 if it was not a whole 200, 1 if it was, 2 if it was
 * and the server closes the connection after it (keepalive_requests). */
static int read_answer(int fd)
{
	char buf[16384];
	size_t have = 0;
	char *end = NULL;
	while (!end) {
		if (have == sizeof buf - 1)
			return 0;
		ssize_t n = read(fd, buf + have, sizeof buf - 1 - have);
		if (n <= 0)
			return 0;
		have += (size_t)n;
		buf[have] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	const char *length = strcasestr(buf, "\r\nContent-Length:");
	if (strncmp(buf, "HTTP/1.1 200 ", 13) != 0 || !length || length > end)
		return 0;
	size_t body = strtoul(length + 17, NULL, 10);
	size_t got = have - (size_t)(end + 4 - buf);
	while (got < body) {
		ssize_t n = read(fd, buf, sizeof buf < body - got ? sizeof buf : body - got);
		if (n <= 0)
			return 0;
		got += (size_t)n;
	}
	if (got != body)
		return 0;
	const char *closing = strcasestr(buf, "\r\nConnection: close");
	return closing && closing < end ? 2 : 1;
}

static void *client(void *unused)
{
	static const char request[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
	int fd = -1;
	(void)unused;
	for (;;) {
		uint64_t start = now_ns();
		if (fd < 0)
			fd = connect_once();
		int answer = fd >= 0 && write(fd, request, sizeof request - 1) == sizeof request - 1 ?
			     read_answer(fd) : 0;
		note(now_ns() - start, answer != 0);
		if (answer != 1 && fd >= 0) {
			close(fd);
			fd = -1;
		}
		if (!answer)
			usleep(10000);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: httpload PORT CONNECTIONS CHUNK_MS\n");
		return 2;
	}
	port = atoi(argv[1]);
	int connections = atoi(argv[2]);
	long chunk_ms = atol(argv[3]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < connections; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, client, NULL) != 0) {
			perror("httpload: pthread_create");
			return 1;
		}
	}
	for (;;) {
		struct timespec pause = { chunk_ms / 1000, (chunk_ms % 1000) * 1000000 };
		nanosleep(&pause, NULL);
		pthread_mutex_lock(&chunk.lock);
		printf("%llu %llu %llu %llu\n", (unsigned long long)now_ns(),
		       (unsigned long long)chunk.requests, (unsigned long long)chunk.failed,
		       (unsigned long long)(chunk.max_ns / 1000));
		chunk.requests = chunk.failed = chunk.max_ns = 0;
		pthread_mutex_unlock(&chunk.lock);
	}
}
