/* The key-value store kvd serves: a fixed table of slots behind a mutex. */
#ifndef KVD_STORE_H
#define KVD_STORE_H

#include <pthread.h>

#define NSLOTS 16
#define KEY_SIZE 32
#define VALUE_SIZE 64

struct slot {
	char key[KEY_SIZE];     /* "" = free */
	char value[VALUE_SIZE];
};

struct store {
	pthread_mutex_t lock;
	struct slot slots[NSLOTS];
	struct slot admin;      /* the operator's token: never served */
};

void store_init(struct store *s, const char *admin_token);
/* 0 on success, -1 when the store is full or the key/value too long. */
int store_set(struct store *s, const char *key, const char *value);
/* Copies the value of KEY into OUT; 0, or -1 when KEY is not there. */
int store_get(struct store *s, const char *key, char *out, size_t size);
/* Adds DELTA to the number stored at KEY (0 when absent); -1 if full. */
int store_incr(struct store *s, const char *key, long delta, long *result);
int store_del(struct store *s, const char *key);
int store_count(struct store *s);
/* The slot at INDEX (0 .. NSLOTS-1), or NULL when there is none. */
const struct slot *store_slot(struct store *s, int index);

#endif
