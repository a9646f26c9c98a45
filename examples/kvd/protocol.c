#include "protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reply_slot(struct store *s, const char *arg, char *reply, size_t size)
{
	char *end;
	long index = strtol(arg ? arg : "", &end, 10);
	if (!arg || *end || end == arg) {
		snprintf(reply, size, "ERR usage: SLOT index");
		return true;
	}
	pthread_mutex_lock(&s->lock);
	const struct slot *slot = store_slot(s, (int)index);
	if (!slot)
		snprintf(reply, size, "ERR no slot %ld", index);
	else if (!slot->key[0])
		snprintf(reply, size, "(free)");
	else
		snprintf(reply, size, "%s=%s", slot->key, slot->value);
	pthread_mutex_unlock(&s->lock);
	return true;
}

bool handle_request(struct store *s, char *line, char *reply, size_t size)
{
	char *save = NULL;
	char *cmd = strtok_r(line, " \t\r\n", &save);
	char *arg1 = strtok_r(NULL, " \t\r\n", &save);
	char *arg2 = strtok_r(NULL, "\r\n", &save);
	char value[VALUE_SIZE];
	long number;

	if (!cmd) {
		snprintf(reply, size, "ERR empty request");
	} else if (strcmp(cmd, "QUIT") == 0) {
		snprintf(reply, size, "BYE");
		return false;
	} else if (strcmp(cmd, "SET") == 0 && arg1 && arg2) {
		snprintf(reply, size, store_set(s, arg1, arg2) == 0 ? "OK" : "ERR full or too long");
	} else if (strcmp(cmd, "GET") == 0 && arg1) {
		if (store_get(s, arg1, value, sizeof value) == 0)
			snprintf(reply, size, "%s", value);
		else
			snprintf(reply, size, "ERR no such key");
	} else if (strcmp(cmd, "INCR") == 0 && arg1) {
		if (store_incr(s, arg1, arg2 ? strtol(arg2, NULL, 10) : 1, &number) == 0)
			snprintf(reply, size, "%ld", number);
		else
			snprintf(reply, size, "ERR full or too long");
	} else if (strcmp(cmd, "DEL") == 0 && arg1) {
		snprintf(reply, size, store_del(s, arg1) == 0 ? "OK" : "ERR no such key");
	} else if (strcmp(cmd, "SLOT") == 0) {
		return reply_slot(s, arg1, reply, size);
	} else if (strcmp(cmd, "COUNT") == 0) {
		snprintf(reply, size, "%d", store_count(s));
	} else {
		snprintf(reply, size, "ERR unknown request '%s'", cmd);
	}
	return true;
}
