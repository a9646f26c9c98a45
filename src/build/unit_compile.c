/* Compiling a source as a unit was compiled: see unit_compile.h. */
#include "build/unit_compile.h"
#include "build/command.h"
#include "common/error.h"
#include "common/util.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>

/* Options that write dependency files beside the object (make's -MD
 * style): the patch source's compile must write nothing in the tree. */
static bool writes_dependencies(const char *arg)
{
	return strcmp(arg, "-MD") == 0 || strcmp(arg, "-MMD") == 0 || strcmp(arg, "-MP") == 0 ||
	       str_starts_with(arg, "-Wp,-M");
}

/* -MF FILE, -MT TARGET, -MQ TARGET: the option and its separate value. */
static bool dependency_option_with_value(const char *arg)
{
	return strcmp(arg, "-MF") == 0 || strcmp(arg, "-MT") == 0 || strcmp(arg, "-MQ") == 0;
}

static bool names_level(const struct unit_record *rec)
{
	for (size_t i = 0; i < rec->n_args; i++)
		if (str_starts_with(rec->args[i], "-fease-live-patching"))
			return true;
	return false;
}

/* The command line: REC's arguments with SOURCE for the unit's source and
 * OBJECT for its output. */
static char **command_line(struct build_session *s, const struct unit_record *rec,
			   const char *source, const char *object, bool keep_statics, char **level,
			   char **unit_dir)
{
	char **argv = xcalloc(rec->n_args + 9, sizeof *argv);
	char *unit_source = rec->source[0] == '/' ? xstrdup(rec->source)
			    : xasprintf("%s/%s", rec->directory, rec->source);
	*unit_dir = xstrdup(dirname(unit_source));
	free(unit_source);
	size_t n = 0;
	argv[n++] = (char *)s->opt->suture_cc;
	*level = names_level(rec) ? NULL : xasprintf("-fease-live-patching=%s", rec->level);
	if (*level)
		argv[n++] = *level;
	for (size_t i = 0; i < rec->n_args; i++) {
		const char *arg = rec->args[i];
		if (strcmp(arg, "-o") == 0 || dependency_option_with_value(arg)) {
			i++;   /* and its value */
			continue;
		}
		if (str_starts_with(arg, "-o") || writes_dependencies(arg) ||
		    str_starts_with(arg, "-MF") || strcmp(arg, rec->source) == 0)
			continue;
		argv[n++] = (char *)arg;
	}
	if (keep_statics)
		argv[n++] = "-fkeep-static-functions";
	/* #include "x.h" looks beside the source first: beside the unit's */
	argv[n++] = "-iquote";
	argv[n++] = *unit_dir;
	argv[n++] = "-o";
	argv[n++] = (char *)object;
	argv[n++] = (char *)source;
	return argv;
}

int compile_as_unit(struct build_session *s, const struct unit_record *rec, const char *source,
		    const char *object, bool keep_statics)
{
	if (!str_in_list(rec->args, rec->n_args, "-c"))
		return err_set("%s was compiled and linked in one gcc call, so its options cannot "
			       "be reused alone: build the target with -c and a link step", rec->source);
	char *level, *unit_dir;
	char **argv = command_line(s, rec, source, object, keep_statics, &level, &unit_dir);
	int status = command_run(argv, rec->directory, s->log, NULL);
	free(argv);
	free(level);
	free(unit_dir);
	if (status < 0)
		return -1;
	if (status != 0) {
		s->report->log_tail = build_log_tail(s->log);
		return err_set("compiling %s with the options of %s failed (exit %d; the "
			       "compiler's messages are below)", source, rec->source, status);
	}
	return 0;
}
