/* <suture/shadow.h> from many threads at once, outside suture (the
 * program defines the table's root, which suture's loader binds in a
 * patch).  THREADS threads, each ROUNDS times over OBJECTS objects:
 * get_or_alloc of a shared shadow (id 1) whose constructor counts how
 * often it runs, an increment under the object's own lock, alloc + get +
 * free of a shadow of its own (id 100 + thread); then free_all(1) with a
 * destructor that sums what it frees; and, all threads on one shadow id
 * (7), alloc, which only one thread at a time may win, then get and free
 * by the winner, which must find it still its own.  Prints:
 *   constructed C (expected OBJECTS) sum S (expected THREADS x ROUNDS x OBJECTS)
 *   own-misses M (expected 0) left L (expected 0) stolen X (expected 0) */
#include <suture/patch.h>

#include <pthread.h>
#include <stdio.h>

struct suture_shadow_root __suture_shadow_root;

#define THREADS 8
#define ROUNDS 1000
#define OBJECTS 64

struct counter {
	pthread_mutex_t lock;
	long n;
};

static char objects[OBJECTS];
static long constructed, summed, own_misses, stolen;

static int make(void *obj, void *data, void *arg)
{
	struct counter *c = data;
	pthread_mutex_init(&c->lock, NULL);
	__atomic_add_fetch(&constructed, 1, __ATOMIC_RELAXED);
	return 0;
}

static void sum(void *obj, void *data)
{
	summed += ((struct counter *)data)->n;
}

static void *hammer(void *arg)
{
	unsigned long own = 100 + (unsigned long)arg;
	for (int r = 0; r < ROUNDS; r++)
		for (int i = 0; i < OBJECTS; i++) {
			struct counter *c = suture_shadow_get_or_alloc(&objects[i], 1, sizeof *c, make, NULL);
			pthread_mutex_lock(&c->lock);
			c->n++;
			pthread_mutex_unlock(&c->lock);
			int *mine = suture_shadow_alloc(&objects[i], own, sizeof *mine, NULL, NULL);
			if (!mine || suture_shadow_get(&objects[i], own) != mine)
				__atomic_add_fetch(&own_misses, 1, __ATOMIC_RELAXED);
			suture_shadow_free(&objects[i], own, NULL);
			/* one shadow id for all: whoever allocates it owns it until it frees it */
			long *owner = suture_shadow_alloc(&objects[i], 7, sizeof *owner, NULL, NULL);
			if (owner) {
				*owner = (long)own;
				long *again = suture_shadow_get(&objects[i], 7);
				if (again != owner || *again != (long)own)
					__atomic_add_fetch(&stolen, 1, __ATOMIC_RELAXED);
				suture_shadow_free(&objects[i], 7, NULL);
			}
		}
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, hammer, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	suture_shadow_free_all(1, sum);
	int left = 0;
	for (int i = 0; i < OBJECTS; i++)
		for (unsigned long id = 1; id < 100 + THREADS; id++)
			left += suture_shadow_get(&objects[i], id) != NULL;
	printf("constructed %ld (expected %d) sum %ld (expected %d)\n", constructed, OBJECTS, summed,
	       THREADS * ROUNDS * OBJECTS);
	printf("own-misses %ld (expected 0) left %d (expected 0) stolen %ld (expected 0)\n", own_misses, left,
	       stolen);
	return 0;
}
