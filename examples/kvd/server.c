/* kvd: a small multi-threaded key-value service on 127.0.0.1.
 *
 *   kvd [PORT [WORKERS]]      (defaults: 7070, 4)
 *
 * Each worker thread accepts connections on the shared listening socket
 * and serves one client at a time, line by line (protocol.h).  SIGINT or
 * SIGTERM stops it cleanly: the listener and open connections are shut
 * down and every worker is joined. */
#include "protocol.h"
#include "store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_WORKERS 64

static struct store store;
static int listen_fd = -1;

/* The connection each worker is serving (-1: none), so that shutdown can
 * wake workers blocked in read(). */
static pthread_mutex_t clients_lock = PTHREAD_MUTEX_INITIALIZER;
static int client_fds[MAX_WORKERS];

static void set_client(int worker, int fd)
{
	pthread_mutex_lock(&clients_lock);
	client_fds[worker] = fd;
	pthread_mutex_unlock(&clients_lock);
}

/* Reads one line of at most SIZE-1 bytes; 0 at end of connection. */
static ssize_t read_line(int fd, char *line, size_t size)
{
	size_t len = 0;
	while (len + 1 < size) {
		char c;
		ssize_t n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : (ssize_t)len;
		line[len++] = c;
		if (c == '\n')
			break;
	}
	line[len] = '\0';
	return (ssize_t)len;
}

static void serve_client(int fd)
{
	char line[256], reply[256];
	bool more = true;
	while (more && read_line(fd, line, sizeof line) > 0) {
		more = handle_request(&store, line, reply, sizeof reply - 1);
		size_t len = strlen(reply);
		reply[len++] = '\n';
		if (write(fd, reply, len) != (ssize_t)len)
			break;
	}
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	for (;;) {
		int fd = accept(listen_fd, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return NULL;  /* the listener was shut down */
		}
		set_client(id, fd);
		serve_client(fd);
		set_client(id, -1);
		close(fd);
	}
}

static int listen_on(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons((unsigned short)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 64) < 0) {
		fprintf(stderr, "kvd: cannot listen on 127.0.0.1:%d: %s\n", port, strerror(errno));
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	int port = argc > 1 ? atoi(argv[1]) : 7070;
	int workers = argc > 2 ? atoi(argv[2]) : 4;
	if (port <= 0 || port > 65535 || workers < 1 || workers > MAX_WORKERS) {
		fprintf(stderr, "usage: kvd [PORT [WORKERS (1-%d)]]\n", MAX_WORKERS);
		return 2;
	}
	const char *token = getenv("KVD_ADMIN_TOKEN");
	store_init(&store, token ? token : "s3cret-admin-token");
	listen_fd = listen_on(port);

	/* Only the main thread takes the stop signals. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	pthread_t threads[MAX_WORKERS];
	for (int i = 0; i < workers; i++) {
		client_fds[i] = -1;
		pthread_create(&threads[i], NULL, worker, (void *)(long)i);
	}
	printf("kvd: serving on 127.0.0.1:%d with %d workers (pid %d)\n", port, workers,
	       (int)getpid());
	fflush(stdout);

	int sig;
	sigwait(&stop, &sig);
	printf("kvd: %s, stopping\n", strsignal(sig));
	shutdown(listen_fd, SHUT_RDWR);
	pthread_mutex_lock(&clients_lock);
	for (int i = 0; i < workers; i++)
		if (client_fds[i] >= 0)
			shutdown(client_fds[i], SHUT_RDWR);
	pthread_mutex_unlock(&clients_lock);
	for (int i = 0; i < workers; i++)
		pthread_join(threads[i], NULL);
	close(listen_fd);
	printf("kvd: stopped\n");
	return 0;
}
