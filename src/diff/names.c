#include "diff/names.h"
#include "common/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Length of the base of NAME (up to its first '.') without the counter
 * it ends in: __UNIQUE_ID_x12, helper_7 (names made with __COUNTER__). */
static size_t base_without_counter(const char *name, size_t base)
{
	size_t end = base;
	while (end > 0 && isdigit((unsigned char)name[end - 1]))
		end--;
	return end > 0 && end < base ? end : base;
}

char *name_key(const char *name)
{
	char *key = xmalloc(strlen(name) + 2);
	const char *dot = strchr(name, '.');
	if (dot == name) {   /* a name like ".LC0" */
		strcpy(key, name);
		return key;
	}
	size_t base = dot ? (size_t)(dot - name) : strlen(name);
	size_t out = base_without_counter(name, base);
	memcpy(key, name, out);
	if (out < base)
		key[out++] = '#';
	if (!dot) {
		key[out] = '\0';
		return key;
	}
	for (const char *p = dot; *p;) {
		/* p is at a '.', followed by a component up to the next '.' */
		const char *end = strchr(p + 1, '.');
		if (!end)
			end = p + strlen(p);
		bool number = end > p + 1;
		for (const char *c = p + 1; c < end; c++)
			number = number && isdigit((unsigned char)*c);
		key[out++] = '.';
		if (number) {
			key[out++] = '#';
		} else {
			memcpy(key + out, p + 1, (size_t)(end - p - 1));
			out += (size_t)(end - p - 1);
		}
		p = end;
	}
	key[out] = '\0';
	return key;
}

static bool has_component(const char *name, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = strchr(name, '.'); p; p = strchr(p + 1, '.'))
		if (strncmp(p + 1, word, n) == 0 && (p[1 + n] == '.' || p[1 + n] == '\0'))
			return true;
	return false;
}

bool name_is_part(const char *name)
{
	return has_component(name, "cold");
}

bool name_is_clone(const char *name)
{
	return has_component(name, "isra") || has_component(name, "constprop") ||
	       has_component(name, "part");
}

char *name_base(const char *name)
{
	const char *dot = strchr(name, '.');
	if (!dot || dot == name)
		return xstrdup(name);
	return strndup(name, (size_t)(dot - name));
}
