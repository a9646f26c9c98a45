#include "diff/names.h"
#include "common/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

char *name_key(const char *name)
{
	char *key = xstrdup(name);
	const char *dot = strchr(name, '.');
	if (!dot || dot == name)   /* no suffix, or a name like ".LC0" */
		return key;
	size_t out = (size_t)(dot - name);
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
