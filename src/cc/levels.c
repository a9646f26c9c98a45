#include "cc/levels.h"
#include "cc/spawn.h"
#include "common/error.h"
#include "common/util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* GCC 12's -flive-patching=inline-clone already turns off every analysis
 * the spec forbids at all levels (ipa-pta, ipa-reference(-addressable),
 * ipa-ra, ipa-icf, ipa-bit-cp, ipa-vrp, ipa-pure-const,
 * ipa-stack-alignment, ipa-modref, whole-program: checked with
 * `gcc -Q --help=optimizers`), and refuses them when asked for; so no
 * explicit -fno- is added for those.  =inline-only-static also turns off
 * ipa-cp, ipa-cp-clone, ipa-sra and partial inlining, and inlines only
 * static functions.  -fno-inline alone stops all inlining but always_inline's,
 * small, called-once and `inline` functions included, even at -O3
 * (tests/test_cc_levels.py); -finline-* options are refused with it. */
/* The entry padding's -fpatchable-function-entry is the entry form's
 * (entry_form.h), added after these. */
#define PATCHABLE "-ffunction-sections", "-fdata-sections"

static const char *const opts_none[] = {
	"-flive-patching=inline-only-static", "-fno-inline", PATCHABLE, NULL
};
static const char *const opts_only_static[] = {
	"-flive-patching=inline-only-static", PATCHABLE, NULL
};
static const char *const opts_inline[] = {
	"-flive-patching=inline-clone", "-fno-ipa-cp", "-fno-ipa-cp-clone",
	"-fno-ipa-sra", "-fno-partial-inlining", PATCHABLE, NULL
};
static const char *const opts_inline_clone[] = {
	"-flive-patching=inline-clone", PATCHABLE, NULL
};

/* Off at every level: analyses that let one function depend on another's
 * body, and whole-program views. */
#define ALWAYS_OFF "ipa-icf", "ipa-icf-functions", "ipa-icf-variables", "ipa-ra", \
	"ipa-pure-const", "ipa-reference", "ipa-reference-addressable", "ipa-modref", \
	"ipa-vrp", "ipa-bit-cp", "ipa-stack-alignment", "ipa-pta", "whole-program", "lto"
#define NO_CLONES "ipa-cp", "ipa-cp-clone", "ipa-sra", "partial-inlining"

static const char *const forbid_none[] = {
	ALWAYS_OFF, NO_CLONES, "inline", "inline-small-functions", "inline-functions",
	"inline-functions-called-once", NULL
};
static const char *const forbid_no_clones[] = { ALWAYS_OFF, NO_CLONES, NULL };
static const char *const forbid_inline_clone[] = { ALWAYS_OFF, NULL };

static const struct level levels[] = {
	{ "none", opts_none, forbid_none },
	{ "only-inline-static", opts_only_static, forbid_no_clones },
	{ "inline", opts_inline, forbid_no_clones },
	{ "inline-clone", opts_inline_clone, forbid_inline_clone },
};

const struct level *level_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(levels); i++)
		if (strcmp(levels[i].name, name) == 0)
			return &levels[i];
	return NULL;
}

/* Does ARG set -fNAME: +1 on, -1 off, 0 not about NAME.  "-fNAME=VALUE"
 * counts as on (-flto=auto), "-fno-NAME" as off. */
static int sets_flag(const char *arg, const char *name)
{
	size_t len = strlen(name);
	if (str_starts_with(arg, "-fno-") && strncmp(arg + 5, name, len) == 0 &&
	    arg[5 + len] == '\0')
		return -1;
	if (str_starts_with(arg, "-f") && strncmp(arg + 2, name, len) == 0 &&
	    (arg[2 + len] == '\0' || arg[2 + len] == '='))
		return 1;
	return 0;
}

int level_check_args(const struct level *level, char *const *args, size_t n_args)
{
	for (const char *const *flag = level->forbidden; *flag; flag++) {
		const char *last_on = NULL;
		for (size_t i = 0; i < n_args; i++) {
			int set = sets_flag(args[i], *flag);
			if (set)
				last_on = set > 0 ? args[i] : NULL;
		}
		if (last_on)
			return err_set("'%s' is incompatible with '-fease-live-patching=%s'",
				       last_on, level->name);
	}
	/* The padding and GCC's own level are the level's to choose. */
	for (size_t i = 0; i < n_args; i++) {
		if (str_starts_with(args[i], "-fpatchable-function-entry") ||
		    ((strcmp(args[i], "-flive-patching") == 0 ||
		      str_starts_with(args[i], "-flive-patching=")) &&
		     strcmp(args[i], level->gcc_options[0]) != 0) ||
		    strcmp(args[i], "-wrapper") == 0)
			return err_set("'%s' is incompatible with '-fease-live-patching=%s'",
				       args[i], level->name);
	}
	return 0;
}

/* Runs "GCC OPTS... -### -x c -c /dev/null -o /dev/null": the driver
 * checks its options without compiling.  Returns its exit status. */
static int ask_driver(const char *gcc, const char *const *opts, size_t n_opts, struct buf *err)
{
	const char *tail[] = { "-###", "-x", "c", "-c", "/dev/null", "-o", "/dev/null" };
	size_t n = 1 + n_opts + ARRAY_SIZE(tail);
	char **argv = xcalloc(n + 1, sizeof *argv);
	size_t k = 0;
	argv[k++] = (char *)gcc;
	for (size_t i = 0; i < n_opts; i++)
		argv[k++] = (char *)opts[i];
	for (size_t i = 0; i < ARRAY_SIZE(tail); i++)
		argv[k++] = (char *)tail[i];
	int rc = spawn_wait(argv, err);
	free(argv);
	return rc;
}

static char *parse_version(const char *text)
{
	const char *line = strstr(text, "gcc version ");
	if (!line)
		return xstrdup("unknown");
	line += strlen("gcc version ");
	size_t len = strcspn(line, " \n");
	char *version = xmalloc(len + 1);
	memcpy(version, line, len);
	version[len] = '\0';
	return version;
}

int level_probe_gcc(const struct level *level, const char *const *options, const char *gcc,
		    char **version)
{
	size_t n_opts = 0;
	while (options[n_opts])
		n_opts++;
	struct buf err = { 0 };
	int rc = ask_driver(gcc, options, n_opts, &err);
	if (rc < 0) {
		buf_free(&err);
		return err_prefix("-fease-live-patching=%s", level->name);
	}
	if (rc == 0) {
		*version = parse_version(err.data ? err.data : "");
		buf_free(&err);
		return 0;
	}
	/* Find the option it lacks, one at a time. */
	for (size_t i = 0; i < n_opts; i++) {
		struct buf one = { 0 };
		int one_rc = ask_driver(gcc, &options[i], 1, &one);
		buf_free(&one);
		if (one_rc != 0) {
			char *v = parse_version(err.data ? err.data : "");
			err_set("'-fease-live-patching=%s' needs the gcc option '%s', which %s "
				"(version %s) does not accept; use GCC 9 or later, or another level",
				level->name, options[i], gcc, v);
			free(v);
			buf_free(&err);
			return -1;
		}
	}
	err_set("%s refuses the options of '-fease-live-patching=%s': %s", gcc, level->name,
		err.data ? err.data : "");
	buf_free(&err);
	return -1;
}
