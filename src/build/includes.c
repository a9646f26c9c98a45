/* The files a unit includes, from gcc -M with the unit's own options
 * (its -I, -D, -include): what the preprocessor really opened, where a
 * Makefile's dependency list may be incomplete or absent. */
#include "build/command.h"
#include "build/units.h"
#include "common/error.h"
#include "common/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Options of the compile that gcc -M must not get: outputs, dependency
 * files, and suture-cc's own. */
static int skip_count(const char *arg)
{
	static const char *const with_value[] = { "-o", "-MF", "-MT", "-MQ" };
	for (size_t i = 0; i < ARRAY_SIZE(with_value); i++)
		if (strcmp(arg, with_value[i]) == 0)
			return 2;
	static const char *const alone[] = { "-c", "-S", "-E", "-MD", "-MMD", "-MP", "-M", "-MM" };
	for (size_t i = 0; i < ARRAY_SIZE(alone); i++)
		if (strcmp(arg, alone[i]) == 0)
			return 1;
	if (str_starts_with(arg, "-fease-live-patching") || str_starts_with(arg, "-flive-patching-list") ||
	    str_starts_with(arg, "-save-temps") || str_starts_with(arg, "-Wp,-M"))
		return 1;
	return 0;
}

static char **m_argv(const struct unit_record *rec)
{
	const char *gcc = getenv("SUTURE_CC_GCC");
	char **argv = xcalloc(rec->n_args + 6, sizeof *argv);
	size_t n = 0;
	argv[n++] = (char *)(gcc && *gcc ? gcc : "gcc");
	for (size_t i = 0; i < rec->n_args;) {
		int skip = skip_count(rec->args[i]);
		if (skip)
			i += (size_t)skip;
		else
			argv[n++] = rec->args[i++];
	}
	argv[n++] = "-M";
	argv[n++] = "-MG";   /* a generated header not made yet is still named */
	argv[n++] = "-MT";   /* the rule's name, to find it among any warnings */
	argv[n++] = "suture-deps";
	argv[n] = NULL;
	return argv;
}

/* "out.o: a.c b.h \<newline> c.h" -> absolute names. */
static void parse_rule(const char *dir, char *text, char ***files, size_t *n)
{
	char *p = strstr(text, "suture-deps:");
	if (!p)
		return;
	p += strlen("suture-deps:");
	while (*p) {
		while (*p && (isspace((unsigned char)*p) || (*p == '\\' && isspace((unsigned char)p[1]))))
			p++;
		if (!*p)
			break;
		char *start = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (p - start == 1 && *start == '\\')
			continue;
		char *name = xasprintf("%.*s", (int)(p - start), start);
		char *joined = name[0] == '/' ? xstrdup(name) : xasprintf("%s/%s", dir, name);
		char *real = realpath(joined, NULL);
		*files = strv_add(*files, n, real ? real : xstrdup(joined));
		free(joined);
		free(name);
	}
}

int includes_of(const struct build_unit *unit, char ***files, size_t *n)
{
	char **argv = m_argv(unit->rec);
	struct buf out = { 0 };
	int status = command_run(argv, unit->rec->directory, NULL, &out);
	free(argv);
	*files = NULL;
	*n = 0;
	int ret = 0;
	if (status < 0)
		ret = -1;
	else if (status != 0)
		ret = err_set("cannot list the includes of %s (gcc -M with its options exited %d)",
			      unit->rec->source, status);
	else
		parse_rule(unit->rec->directory, out.data ? out.data : "", files, n);
	buf_free(&out);
	return ret;
}
