/* suture-cc: a drop-in gcc with -fease-live-patching and
 * -flive-patching-list (see man/suture-cc.1).
 *
 * gcc parses the command line: suture-cc only takes its own options out,
 * checks them against the user's, adds the level's gcc options and runs gcc
 * with `-wrapper SELF,--suture-stage`, so that it is called again around
 * cc1, as and collect2 (stage.c).  Without a suture option it execs gcc
 * with the arguments untouched. */
#include "cc/driver_args.h"
#include "cc/entry_form.h"
#include "cc/levels.h"
#include "cc/spawn.h"
#include "cc/stage.h"
#include "common/error.h"
#include "common/util.h"
#include "impact/impact.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG "suture-cc"

static const char *gcc_program(void)
{
	const char *gcc = getenv("SUTURE_CC_GCC");
	return gcc && *gcc ? gcc : "gcc";
}

static void exec_gcc(char **argv)
{
	execvp(argv[0], argv);
	err_report(PROG, "cannot run %s: %s; set SUTURE_CC_GCC to the gcc to use",
		   argv[0], strerror(errno));
	exit(EXIT_FAILED);
}

static char *join_lines(char *const *v, size_t n)
{
	struct buf b = { 0 };
	buf_add(&b, "", 0);
	for (size_t i = 0; i < n; i++) {
		for (const char *p = v[i]; *p; p++)
			buf_add(&b, *p == '\n' ? " " : p, 1);
		if (i + 1 < n)
			buf_addstr(&b, "\n");
	}
	return b.data;
}

static const char *mode_name(enum cc_mode mode)
{
	return mode == MODE_LINK ? "link" : mode == MODE_ASSEMBLY ? "assembly" : "compile";
}

/* Files holding values too long for the environment, removed after gcc. */
static struct strv long_value_files;

/* Sets NAME to the lines of V; a value too long for one environment string
 * (Linux allows 128 KiB) goes into a file named by NAME_FILE instead. */
static int export_lines(const char *name, char *const *v, size_t n)
{
	char *value = join_lines(v, n);
	char *file_var = xasprintf("%s%s", name, ENV_FILE_SUFFIX);
	int rc = 0;
	unsetenv(file_var);
	if (strlen(value) < ENV_VALUE_MAX) {
		setenv(name, value, 1);
	} else {
		const char *dir = getenv("TMPDIR");
		char *path = xasprintf("%s/suture-cc-XXXXXX", dir && *dir ? dir : "/tmp");
		int fd = mkstemp(path);
		size_t len = strlen(value);
		if (fd < 0 || write(fd, value, len) != (ssize_t)len) {
			rc = err_set_errno("cannot write %s", path);
		} else {
			strv_push(&long_value_files, path);
			setenv(file_var, path, 1);
			unsetenv(name);
		}
		if (fd >= 0)
			close(fd);
		free(path);
	}
	free(file_var);
	free(value);
	return rc;
}

/* What the stage needs to rewrite the padding and write the unit record. */
static int export_for_stage(const struct cc_args *args, const struct level *level,
			    const struct entry_form *form, const struct strv *added_options,
			    const char *version)
{
	char *added = join_lines(added_options->v, added_options->n);
	setenv(ENV_LEVEL, level->name, 1);
	setenv(ENV_ENTRY, form->name, 1);
	setenv(ENV_GCC_VERSION, version, 1);
	setenv(ENV_ADDED, added, 1);
	if (export_lines(ENV_ARGS, args->user_args.v, args->user_args.n) < 0 ||
	    export_lines(ENV_SOURCES, args->sources.v, args->sources.n) < 0) {
		free(added);
		return -1;
	}
	setenv(ENV_MODE, mode_name(args->mode), 1);
	if (args->output)
		setenv(ENV_OUTPUT, args->output, 1);
	else
		unsetenv(ENV_OUTPUT);
	free(added);
	return 0;
}

/* gcc, the user's arguments, the options suture-cc adds, and the wrapper. */
static char **gcc_command(const struct cc_args *args, const struct strv *added,
			  const char *wrapper)
{
	struct strv cmd = { 0 };
	strv_push(&cmd, gcc_program());
	for (size_t i = 0; i < args->gcc_args.n; i++)
		strv_push(&cmd, args->gcc_args.v[i]);
	if (added) {
		for (size_t i = 0; i < added->n; i++)
			strv_push(&cmd, added->v[i]);
		strv_push(&cmd, "-wrapper");
		strv_push(&cmd, wrapper);
	}
	return cmd.v;
}

/* "/path/to/suture-cc,--suture-stage"; gcc splits -wrapper on commas. */
static char *wrapper_option(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0) {
		err_set_errno("cannot find its own program (/proc/self/exe)");
		return NULL;
	}
	self[n] = '\0';
	if (strchr(self, ',')) {
		err_set("its path %s holds a comma, which gcc's -wrapper cannot pass; "
			"install suture-cc elsewhere", self);
		return NULL;
	}
	return xasprintf("%s,%s", self, STAGE_OPTION);
}

/* The ELF files to read the impacted lists from, after a successful gcc. */
static void list_inputs(const struct cc_args *args, struct strv *files)
{
	if (args->mode == MODE_LINK) {
		strv_push(files, args->output ? args->output : "a.out");
	} else if (args->output) {
		strv_push(files, args->output);
	} else {
		for (size_t i = 0; i < args->sources.n; i++) {
			char *o = cc_default_output(args->sources.v[i], MODE_COMPILE);
			strv_push(files, o);
			free(o);
		}
	}
}

static int print_lists(const struct cc_args *args)
{
	if (args->mode == MODE_ASSEMBLY || args->mode == MODE_PREPROCESS) {
		err_report(PROG, "warning: '-flive-patching-list' needs objects or a linked "
			   "file, not -%c output; ignored", args->mode == MODE_ASSEMBLY ? 'S' : 'E');
		return EXIT_DONE;
	}
	struct strv files = { 0 };
	list_inputs(args, &files);
	const char *function = args->list_function;
	struct impact_request req = {
		.functions = function ? &function : NULL,
		.n_functions = function ? 1 : 0,
	};
	FILE *out = stdout;
	if (args->list_file && !(out = fopen(args->list_file, "w"))) {
		err_report(PROG, "cannot write %s: %s", args->list_file, strerror(errno));
		strv_free(&files);
		return EXIT_FAILED;
	}
	int rc = impact_print_lists((const char *const *)files.v, files.n, &req, out);
	if (out != stdout && fclose(out) != 0 && rc == 0)
		rc = err_set_errno("cannot write %s", args->list_file);
	strv_free(&files);
	if (rc < 0) {
		err_print(PROG);
		return EXIT_FAILED;
	}
	return EXIT_DONE;
}

/* The entry form: the option's, else the environment's, else the default.
 * NULL after printing the error for an unknown one. */
static const struct entry_form *chosen_entry_form(const struct cc_args *args)
{
	const char *env = getenv(ENV_ENTRY);
	const char *name = args->entry ? args->entry : env && *env ? env : ENTRY_FORM_DEFAULT;
	const struct entry_form *form = entry_form_find(name);
	if (!form && args->entry)
		err_report(PROG, "unknown entry form '%s' in '-fease-live-patching-entry=%s'; "
			   "the forms are: %s", name, name, ENTRY_FORM_NAMES);
	else if (!form)
		err_report(PROG, "unknown entry form '%s' in %s=%s; the forms are: %s",
			   name, ENV_ENTRY, name, ENTRY_FORM_NAMES);
	return form;
}

static int compile_with_level(struct cc_args *args)
{
	const struct level *level = level_find(args->level);
	if (!level) {
		err_report(PROG, "unknown level '%s' in '-fease-live-patching=%s'; "
			   "the levels are: %s", args->level, args->level, LEVEL_NAMES);
		return EXIT_USAGE;
	}
	if (level_check_args(level, args->user_args.v, args->user_args.n) < 0) {
		err_print(PROG);
		return EXIT_USAGE;
	}
	const struct entry_form *form = chosen_entry_form(args);
	if (!form)
		return EXIT_USAGE;
	struct strv added = { 0 };
	for (const char *const *o = level->gcc_options; *o; o++)
		strv_push(&added, *o);
	strv_push(&added, form->gcc_option);
	char *version = NULL;
	char *wrapper = wrapper_option();
	if (!wrapper || level_probe_gcc(level, (const char *const *)added.v, gcc_program(),
					&version) < 0) {
		err_print(PROG);
		return EXIT_FAILED;
	}
	if (export_for_stage(args, level, form, &added, version) < 0) {
		err_print(PROG);
		return EXIT_FAILED;
	}
	char **cmd = gcc_command(args, &added, wrapper);
	if (!args->list && long_value_files.n == 0)
		exec_gcc(cmd);
	int rc = spawn_wait(cmd, NULL);
	for (size_t i = 0; i < long_value_files.n; i++)
		unlink(long_value_files.v[i]);
	if (rc < 0) {
		err_print(PROG);
		return EXIT_FAILED;
	}
	if (rc != 0 || !args->list)
		return rc;
	return print_lists(args);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], STAGE_OPTION) == 0)
		return stage_main(argc - 2, argv + 2);

	struct cc_args args;
	if (cc_args_parse(argc, argv, &args) < 0) {
		err_print(PROG);
		return EXIT_USAGE;
	}
	if (!args.any_suture_option) {
		argv[0] = (char *)gcc_program();
		exec_gcc(argv);
	}
	if (!args.level) {
		err_report(PROG, "warning: '%s' has no effect without "
			   "'-fease-live-patching'; ignored",
			   args.list ? "-flive-patching-list" : "-fease-live-patching-entry");
		exec_gcc(gcc_command(&args, NULL, NULL));
	}
	return compile_with_level(&args);
}
