/* What a shadow-variable call costs (<suture/shadow.h>), in ns per call:
 * get of an existing shadow, get of a missing one, get_or_alloc of an
 * existing one, alloc + free, with 1 thread and with THREADS threads at
 * once (one lock for the process).  Run by bench/patchlib.py.  In a patch
 * the loader binds __suture_shadow_root; here the program defines it. */
#include <suture/patch.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct suture_shadow_root __suture_shadow_root;

#define OBJECTS 1000
#define ROUNDS 2000
static char objects[OBJECTS];

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *get_hit(void *arg)
{
	long sum = 0;
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < OBJECTS; i++)
			sum += *(int *)suture_shadow_get(&objects[i], 1);
	return (void *)sum;
}

static void *get_miss(void *arg)
{
	long sum = 0;
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < OBJECTS; i++)
			sum += suture_shadow_get(&objects[i], 2) != NULL;
	return (void *)sum;
}

static void *get_or_alloc_hit(void *arg)
{
	long sum = 0;
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < OBJECTS; i++)
			sum += *(int *)suture_shadow_get_or_alloc(&objects[i], 1, sizeof(int), NULL, NULL);
	return (void *)sum;
}

static void *alloc_free(void *arg)
{
	unsigned long id = 100 + (unsigned long)arg;   /* each thread its own shadows */
	for (int r = 0; r < ROUNDS / 10; r++) {
		for (int i = 0; i < OBJECTS; i++)
			suture_shadow_alloc(&objects[i], id, 16, NULL, NULL);
		for (int i = 0; i < OBJECTS; i++)
			suture_shadow_free(&objects[i], id, NULL);
	}
	return NULL;
}

/* ns per call of FN run by NTHREADS threads at once (calls of all threads). */
static double measure(void *(*fn)(void *), int nthreads, double calls_per_thread)
{
	pthread_t t[64];
	double start = now_ns();
	for (long i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, fn, (void *)i);
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	return (now_ns() - start) / (calls_per_thread * nthreads);
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 2;
	for (int i = 0; i < OBJECTS; i++)
		suture_shadow_alloc(&objects[i], 1, sizeof(int), NULL, NULL);
	double calls = (double)ROUNDS * OBJECTS;
	for (int n = 1; n <= threads; n += threads - 1 ? threads - 1 : 1) {
		printf("threads=%d get-hit=%.1f get-miss=%.1f get_or_alloc-hit=%.1f alloc+free=%.1f\n", n,
		       measure(get_hit, n, calls), measure(get_miss, n, calls),
		       measure(get_or_alloc_hit, n, calls), measure(alloc_free, n, calls / 10 * 2) * 2);
		if (threads == 1)
			break;
	}
	return 0;
}
