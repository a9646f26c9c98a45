#include "cc/stage.h"
#include "cc/asm_rewrite.h"
#include "cc/driver_args.h"
#include "cc/spawn.h"
#include "cc/unit_record.h"
#include "common/error.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG "suture-cc"

static void pass_through(char **argv)
{
	execvp(argv[0], argv);
	err_report(PROG, "cannot run %s: %s", argv[0], strerror(errno));
	exit(EXIT_FAILED);
}

static bool is_cc1(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	/* C, and C++ (same assembly, same GCC options) */
	return strcmp(base, "cc1") == 0 || strcmp(base, "cc1plus") == 0;
}

/* cc1 writes assembly unless it only preprocesses or checks syntax. */
static bool writes_assembly(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-E") == 0 || strcmp(a, "-fsyntax-only") == 0 ||
		    strcmp(a, "-M") == 0 || strcmp(a, "-MM") == 0 || str_starts_with(a, "--help") ||
		    strcmp(a, "--version") == 0)
			return false;
	}
	return true;
}

/* Index of the value of cc1's last "-o", or -1. */
static int output_index(int argc, char **argv)
{
	int found = -1;
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "-o") == 0)
			found = i + 1;
	return found;
}

static const char *arg_value(int argc, char **argv, const char *option)
{
	const char *value = NULL;
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], option) == 0)
			value = argv[i + 1];
	return value;
}

/* Where the user's own -fdump-ipa-clones goes (the file is theirs to
 * keep), or NULL when they did not ask for it. */
static char *user_clones_dump(int argc, char **argv)
{
	char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-fdump-ipa-clones") == 0) {
			const char *dir = arg_value(argc, argv, "-dumpdir");
			const char *base = arg_value(argc, argv, "-dumpbase");
			free(path);
			path = xasprintf("%s%s.000i.ipa-clones", dir ? dir : "", base ? base : "");
		} else if (str_starts_with(argv[i], "-fdump-ipa-clones=")) {
			free(path);
			path = xstrdup(argv[i] + strlen("-fdump-ipa-clones="));
		}
	}
	return path;
}

static char *temp_file(const char *suffix)
{
	const char *dir = getenv("TMPDIR");
	char *path = xasprintf("%s/suture-cc-XXXXXX%s", dir && *dir ? dir : "/tmp", suffix);
	int fd = mkstemps(path, (int)strlen(suffix));
	if (fd < 0) {
		err_report(PROG, "cannot create a file in %s: %s",
			   dir && *dir ? dir : "/tmp", strerror(errno));
		exit(EXIT_FAILED);
	}
	close(fd);
	return path;
}

static void split_lines(const char *text, char ***list, size_t *n)
{
	struct strv sv = { 0 };
	const char *p = text ? text : "";
	while (*p) {
		size_t len = strcspn(p, "\n");
		char *line = strndup(p, len);
		strv_push(&sv, line);
		free(line);
		p += len + (p[len] == '\n');
	}
	*list = sv.v;
	*n = sv.n;
}

/* The lines the driver exported as NAME (or in the file NAME_FILE). */
static void lines_from_env(const char *name, char ***list, size_t *n)
{
	char *file_var = xasprintf("%s%s", name, ENV_FILE_SUFFIX);
	const char *path = getenv(file_var);
	free(file_var);
	size_t len;
	char *text = path ? read_whole_file(path, &len) : NULL;
	split_lines(text ? text : getenv(name), list, n);
	free(text);
}

/* Which file the unit lands in, as the user named it. */
static char *unit_output(const char *source)
{
	const char *mode = getenv(ENV_MODE);
	const char *output = getenv(ENV_OUTPUT);
	if (output)
		return xstrdup(output);
	if (mode && strcmp(mode, "link") == 0)
		return xstrdup("a.out");
	enum cc_mode m = mode && strcmp(mode, "assembly") == 0 ? MODE_ASSEMBLY : MODE_COMPILE;
	return cc_default_output(strcmp(source, "-") == 0 ? "-.c" : source, m);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* The source as the user gave it.  GCC's `.file` directive holds only its
 * base name, so it is matched against the sources on the command line. */
static char *unit_source(const char *asm_text)
{
	char *name = asm_source_name(asm_text);
	if (!name || strcmp(name, "<stdin>") == 0) {
		free(name);
		return xstrdup("-");
	}
	char **sources;
	size_t n;
	lines_from_env(ENV_SOURCES, &sources, &n);
	char *found = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!found && strcmp(base_name(sources[i]), name) == 0)
			found = xstrdup(sources[i]);
		free(sources[i]);
	}
	free(sources);
	if (!found)
		return name;
	free(name);
	return found;
}

static void build_record(const char *asm_text, const char *clones, struct buf *out)
{
	struct unit_record rec = { 0 };
	char *source = unit_source(asm_text);
	char cwd[4096];
	rec.source = source;
	rec.directory = xstrdup(getcwd(cwd, sizeof cwd) ? cwd : ".");
	rec.output = unit_output(source);
	rec.level = xstrdup(getenv(ENV_LEVEL));
	rec.gcc = xstrdup(getenv(ENV_GCC_VERSION) ? getenv(ENV_GCC_VERSION) : "unknown");
	rec.padding = xstrdup(entry_form_of_stage()->record_name);
	lines_from_env(ENV_ARGS, &rec.args, &rec.n_args);
	split_lines(getenv(ENV_ADDED), &rec.added, &rec.n_added);
	split_lines(clones, &rec.ipa_clones, &rec.n_ipa_clones);
	unit_record_format(&rec, out);
	unit_record_free(&rec);
}

static int write_file(const char *path, const struct buf *b)
{
	int fd = strcmp(path, "-") == 0 ? STDOUT_FILENO
		: open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return err_set_errno("cannot write %s", path);
	size_t done = 0;
	while (done < b->len) {
		ssize_t n = write(fd, b->data + done, b->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_set_errno("cannot write %s", path);
			break;
		}
		done += (size_t)n;
	}
	if (fd != STDOUT_FILENO && close(fd) < 0 && done == b->len)
		return err_set_errno("cannot write %s", path);
	return done == b->len ? 0 : -1;
}

/* Reads cc1's assembly ASM_PATH and writes it, padding rewritten and the
 * record appended, to OUT_PATH ("-" = standard output). */
static int post_process(const char *asm_path, const char *clones_path, const char *out_path)
{
	size_t len;
	char *asm_text = read_whole_file(asm_path, &len);
	if (!asm_text)
		return -1;
	char *clones = clones_path ? read_whole_file(clones_path, &len) : NULL;
	if (clones_path && !clones)
		err_clear();  /* no IPA ran (e.g. -O0 writes none): an empty list */
	struct buf out = { 0 };
	asm_rewrite_padding(asm_text, entry_form_of_stage(), &out);
	struct buf record = { 0 };
	build_record(asm_text, clones, &record);
	asm_append_record(&out, record.data, record.len);
	int rc = write_file(out_path, &out);
	buf_free(&record);
	buf_free(&out);
	free(asm_text);
	free(clones);
	return rc;
}

/* cc1 producing assembly: run it on our terms, then post-process. */
static int run_cc1(int argc, char **argv)
{
	int out_index = output_index(argc, argv);
	const char *final_out = out_index > 0 ? argv[out_index] : "-";
	bool to_stdout = strcmp(final_out, "-") == 0;
	char *asm_path = to_stdout ? temp_file(".s") : xstrdup(final_out);

	char *clones_path = user_clones_dump(argc, argv);
	bool own_dump = clones_path == NULL;
	if (own_dump)
		clones_path = temp_file(".ipa-clones");

	struct strv cmd = { 0 };
	for (int i = 0; i < argc; i++)
		strv_push(&cmd, i == out_index ? asm_path : argv[i]);
	if (out_index < 0) {
		strv_push(&cmd, "-o");
		strv_push(&cmd, asm_path);
	}
	if (own_dump) {
		char *opt = xasprintf("-fdump-ipa-clones=%s", clones_path);
		strv_push(&cmd, opt);
		free(opt);
	}
	int rc = spawn_wait(cmd.v, NULL);
	if (rc < 0) {
		err_print(PROG);
		rc = EXIT_FAILED;
	} else if (rc == 0 && post_process(asm_path, clones_path, final_out) < 0) {
		err_print(PROG);
		rc = EXIT_FAILED;
	}
	if (to_stdout)
		unlink(asm_path);
	if (own_dump)
		unlink(clones_path);
	free(asm_path);
	free(clones_path);
	strv_free(&cmd);
	return rc;
}

int stage_main(int argc, char **argv)
{
	if (argc < 1) {
		err_report(PROG, STAGE_OPTION " is for gcc's -wrapper, not for users");
		return EXIT_USAGE;
	}
	if (!getenv(ENV_LEVEL) || !is_cc1(argv[0]) || !writes_assembly(argc, argv))
		pass_through(argv);
	return run_cc1(argc, argv);
}
