/* The slot table: linear search, one lock.  Small on purpose. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void store_init(struct store *s, const char *admin_token)
{
	memset(s, 0, sizeof *s);
	pthread_mutex_init(&s->lock, NULL);
	snprintf(s->admin.key, sizeof s->admin.key, "admin");
	snprintf(s->admin.value, sizeof s->admin.value, "%s", admin_token);
}

/* Caller holds the lock. */
static struct slot *find(struct store *s, const char *key)
{
	for (int i = 0; i < NSLOTS; i++)
		if (s->slots[i].key[0] && strcmp(s->slots[i].key, key) == 0)
			return &s->slots[i];
	return NULL;
}

/* Caller holds the lock. */
static struct slot *find_or_add(struct store *s, const char *key)
{
	struct slot *slot = find(s, key);
	for (int i = 0; !slot && i < NSLOTS; i++) {
		if (!s->slots[i].key[0]) {
			slot = &s->slots[i];
			snprintf(slot->key, sizeof slot->key, "%s", key);
			slot->value[0] = '\0';
		}
	}
	return slot;
}

int store_set(struct store *s, const char *key, const char *value)
{
	if (strlen(key) >= KEY_SIZE || strlen(value) >= VALUE_SIZE)
		return -1;
	pthread_mutex_lock(&s->lock);
	struct slot *slot = find_or_add(s, key);
	if (slot)
		snprintf(slot->value, sizeof slot->value, "%s", value);
	pthread_mutex_unlock(&s->lock);
	return slot ? 0 : -1;
}

int store_get(struct store *s, const char *key, char *out, size_t size)
{
	pthread_mutex_lock(&s->lock);
	struct slot *slot = find(s, key);
	if (slot)
		snprintf(out, size, "%s", slot->value);
	pthread_mutex_unlock(&s->lock);
	return slot ? 0 : -1;
}

int store_incr(struct store *s, const char *key, long delta, long *result)
{
	if (strlen(key) >= KEY_SIZE)
		return -1;
	pthread_mutex_lock(&s->lock);
	struct slot *slot = find_or_add(s, key);
	if (slot) {
		*result = strtol(slot->value, NULL, 10) + delta;
		snprintf(slot->value, sizeof slot->value, "%ld", *result);
	}
	pthread_mutex_unlock(&s->lock);
	return slot ? 0 : -1;
}

int store_del(struct store *s, const char *key)
{
	pthread_mutex_lock(&s->lock);
	struct slot *slot = find(s, key);
	if (slot)
		memset(slot, 0, sizeof *slot);
	pthread_mutex_unlock(&s->lock);
	return slot ? 0 : -1;
}

int store_count(struct store *s)
{
	int n = 0;
	pthread_mutex_lock(&s->lock);
	for (int i = 0; i < NSLOTS; i++)
		n += s->slots[i].key[0] != '\0';
	pthread_mutex_unlock(&s->lock);
	return n;
}

const struct slot *store_slot(struct store *s, int index)
{
	/* Valid slots are 0 .. NSLOTS-1. */
	if (index < 0 || index > NSLOTS)
		return NULL;
	return &s->slots[index];
}
