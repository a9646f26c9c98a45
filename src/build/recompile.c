/* Compiling a unit again: see recompile.h. */
#include "build/recompile.h"
#include "build/command.h"
#include "common/error.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool names_level(const struct unit_record *rec)
{
	for (size_t i = 0; i < rec->n_args; i++)
		if (str_starts_with(rec->args[i], "-fease-live-patching"))
			return true;
	return false;
}

static bool compiles_only(const struct unit_record *rec)
{
	return str_in_list(rec->args, rec->n_args, "-c");
}

static int copy_file(const char *from, const char *to)
{
	size_t len;
	char *data = read_whole_file(from, &len);
	if (!data)
		return -1;
	FILE *f = fopen(to, "w");
	int ret = 0;
	if (!f || fwrite(data, 1, len, f) != len)
		ret = err_set_errno("cannot write %s", to);
	if (f && fclose(f) != 0 && ret == 0)
		ret = err_set_errno("cannot write %s", to);
	free(data);
	return ret;
}

int recompile_unit(struct build_session *s, const struct build_unit *u, const char *copy)
{
	const struct unit_record *rec = u->rec;
	if (!compiles_only(rec))
		return err_set("%s was compiled and linked in one gcc call, so there is no object of "
			       "it to compare: compile it with -c", rec->source);
	char **argv = xcalloc(rec->n_args + 3, sizeof *argv);
	size_t n = 0;
	argv[n++] = (char *)s->opt->suture_cc;
	char *level = names_level(rec) ? NULL : xasprintf("-fease-live-patching=%s", rec->level);
	if (level)
		argv[n++] = level;
	for (size_t i = 0; i < rec->n_args; i++)
		argv[n++] = rec->args[i];
	int status = command_run(argv, rec->directory, s->log, NULL);
	free(argv);
	free(level);
	if (status < 0)
		return -1;
	if (status != 0)
		return err_set("compiling %s failed (exit %d)", rec->source, status);
	return copy_file(u->output, copy);
}

static bool made_since(const char *path, const struct timespec *since)
{
	struct stat st;
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	if (!since)
		return true;
	return st.st_mtim.tv_sec > since->tv_sec ||
	       (st.st_mtim.tv_sec == since->tv_sec && st.st_mtim.tv_nsec > since->tv_nsec);
}

int unit_object(struct build_session *s, const struct build_unit *u, const char *copy,
		const struct timespec *since, bool *compiled)
{
	*compiled = !made_since(u->output, since);
	return *compiled ? recompile_unit(s, u, copy) : copy_file(u->output, copy);
}
