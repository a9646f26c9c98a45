/* A test target for patches written with <suture/patch.h>: a table of
 * connections (objects that exist before any patch), served in turn by
 * serve(), which prints what it did.  The main thread (the one suture
 * borrows) holds the table's lock for 200 ms at a time, releasing it only
 * briefly: a callback that takes the lock must wait for it.
 *
 * Patches (-DPATCH_*):
 *   SHADOW        callbacks that allocate and print; pre-patch takes the
 *                 lock and attaches a shadow "visits" counter to every
 *                 connection (refuses when CONNS_REFUSE is set in the
 *                 target); serve() counts visits in it
 *   SHADOW_NEXT   stacked on SHADOW: serve() goes on counting in the same
 *                 shadows (it attaches none)
 *   SHADOW_ALL    the same, as a cumulative (--replace) patch
 *   HANG          a pre-patch callback that never returns (serve() says
 *                 "by hang")
 *   STATIC        serve() prints the static `limit` of the program's other
 *                 unit, conns_limit.c, named with SUTURE_STATIC */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(PATCH_SHADOW) || defined(PATCH_SHADOW_NEXT) || defined(PATCH_SHADOW_ALL) || defined(PATCH_HANG) || \
	defined(PATCH_STATIC)
#include <suture/patch.h>
#define VISITS 1                  /* the shadow's id */
#endif

#ifdef PATCH_STATIC
extern int limit SUTURE_STATIC("conns_limit.c", limit);
#endif

struct conn {
	int id;
	int served;
};

#define NCONNS 3
static struct conn conns[NCONNS];
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

__attribute__((noinline)) void serve(struct conn *c)
{
	c->served++;
#if defined(PATCH_SHADOW) || defined(PATCH_SHADOW_NEXT) || defined(PATCH_SHADOW_ALL)
	int *visits = suture_shadow_get(c, VISITS);
#if defined(PATCH_SHADOW)
	const char *by = "first";
#elif defined(PATCH_SHADOW_NEXT)
	const char *by = "next";
#else
	const char *by = "cumulative";
#endif
	printf("conn %d visits %d by %s\n", c->id, visits ? ++*visits : -1, by);
#elif defined(PATCH_HANG)
	printf("conn %d served %d by hang\n", c->id, c->served);
#elif defined(PATCH_STATIC)
	printf("conn %d served %d of %d\n", c->id, c->served, limit);
#else
	printf("conn %d served %d\n", c->id, c->served);
#endif
}

#ifdef PATCH_SHADOW
/* visits start at 100 x the connection's id, so each counter is known */
static int visits_init(void *obj, void *data, void *arg)
{
	*(int *)data = ((struct conn *)obj)->id * *(int *)arg;
	return 0;
}

static int attach_visits(void)
{
	if (getenv("CONNS_REFUSE"))
		return -1;
	char *note = malloc(64);           /* the callback allocates and prints */
	snprintf(note, 64, "pre-patch in thread %d", (int)gettid());
	pthread_mutex_lock(&table_lock);   /* held by the main thread most of the time */
	int scale = 100;
	for (int i = 0; i < NCONNS; i++)
		suture_shadow_alloc(&conns[i], VISITS, sizeof(int), visits_init, &scale);
	pthread_mutex_unlock(&table_lock);
	printf("%s: attached %d\n", note, NCONNS);
	fflush(stdout);
	free(note);
	return 0;
}
SUTURE_PRE_PATCH(attach_visits);

static void announce(void)
{
	printf("post-patch\n");
	fflush(stdout);
}
SUTURE_POST_PATCH(announce);

static void say_freed(void *obj, void *data)
{
	printf("freed conn %d at %d\n", ((struct conn *)obj)->id, *(int *)data);
}

static void detach_visits(void)
{
	suture_shadow_free_all(VISITS, say_freed);
	fflush(stdout);
}
SUTURE_POST_UNPATCH(detach_visits);
#endif

#ifdef PATCH_HANG
static int never_returns(void)
{
	printf("hanging\n");
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}
SUTURE_PRE_PATCH(never_returns);
#endif

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < NCONNS; i++)
		conns[i].id = i + 1;
	printf("ready\n");
	for (;;) {
		pthread_mutex_lock(&table_lock);
		for (int i = 0; i < NCONNS; i++)
			serve(&conns[i]);
		nap_ms(200);
		pthread_mutex_unlock(&table_lock);
		nap_ms(1);
	}
}
