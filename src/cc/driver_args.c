#include "cc/driver_args.h"
#include "cc/levels.h"
#include "common/error.h"
#include "common/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void strv_push(struct strv *sv, const char *s)
{
	sv->v = xrealloc(sv->v, (sv->n + 2) * sizeof *sv->v);
	sv->v[sv->n++] = xstrdup(s);
	sv->v[sv->n] = NULL;
}

void strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

/* gcc options whose value is the next argument (only those matter that
 * could otherwise be taken for a source file or for -c/-S/-E). */
static const char *const takes_value[] = {
	"-o", "-x", "-I", "-D", "-U", "-A", "-L", "-l", "-T", "-u", "-z", "-e",
	"-include", "-imacros", "-idirafter", "-iprefix", "-iwithprefix",
	"-iwithprefixbefore", "-isystem", "-isysroot", "-iquote", "-imultilib",
	"-MF", "-MT", "-MQ", "-Xlinker", "-Xassembler", "-Xpreprocessor",
	"-wrapper", "-aux-info", "-dumpbase", "-dumpdir", "-dumpbase-ext", "--param",
	"-B", "-specs", NULL
};

static bool option_takes_value(const char *arg)
{
	for (const char *const *o = takes_value; *o; o++)
		if (strcmp(arg, *o) == 0)
			return true;
	return false;
}

/* Splits a response file the way gcc (libiberty's buildargv) does:
 * white space separates, quotes group, backslash escapes. */
static void split_response(const char *text, struct strv *out)
{
	const char *p = text;
	while (*p) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		struct buf word = { 0 };
		buf_add(&word, "", 0);
		char quote = 0;
		for (; *p && (quote || !isspace((unsigned char)*p)); p++) {
			if (*p == '\\' && p[1]) {
				buf_add(&word, ++p, 1);
			} else if (quote && *p == quote) {
				quote = 0;
			} else if (!quote && (*p == '\'' || *p == '"')) {
				quote = *p;
			} else {
				buf_add(&word, p, 1);
			}
		}
		strv_push(out, word.data);
		buf_free(&word);
	}
}

/* Appends ARG to OUT, replacing a readable @FILE by its contents (nested
 * up to a depth gcc would accept).  Returns true when a file was read. */
static bool expand_arg(const char *arg, struct strv *out, int depth)
{
	if (arg[0] != '@' || depth > 10) {
		strv_push(out, arg);
		return false;
	}
	size_t len;
	char *text = read_whole_file(arg + 1, &len);
	if (!text) {
		err_clear();
		strv_push(out, arg);  /* gcc passes an unreadable @x on as is */
		return false;
	}
	struct strv words = { 0 };
	split_response(text, &words);
	for (size_t i = 0; i < words.n; i++)
		expand_arg(words.v[i], out, depth + 1);
	strv_free(&words);
	free(text);
	return true;
}

/* -flive-patching-list[=FUNC|all][,FILE] */
static int parse_list_option(const char *arg, struct cc_args *args)
{
	const char *rest = arg + strlen("-flive-patching-list");
	if (*rest == '=')
		rest++;
	else if (*rest != ',' && *rest != '\0')
		return err_set("unknown option '%s'; did you mean "
			       "'-flive-patching-list[=FUNC|all][,FILE]'?", arg);
	const char *comma = strchr(rest, ',');
	size_t func_len = comma ? (size_t)(comma - rest) : strlen(rest);
	free(args->list_function);
	free(args->list_file);
	args->list_function = NULL;
	args->list_file = NULL;
	if (func_len > 0 && !(func_len == 3 && strncmp(rest, "all", 3) == 0))
		args->list_function = strndup(rest, func_len);
	if (comma) {
		if (comma[1] == '\0')
			return err_set("'%s' names no output file after the comma", arg);
		args->list_file = xstrdup(comma + 1);
	}
	args->list = true;
	return 0;
}

static bool is_suture_option(const char *arg)
{
	return strcmp(arg, "-fease-live-patching") == 0 ||
	       str_starts_with(arg, "-fease-live-patching=") ||
	       str_starts_with(arg, "-fease-live-patching-entry") ||
	       str_starts_with(arg, "-flive-patching-list");
}

/* Takes a suture option out; returns 1 when ARG was one, 0 when not, -1
 * on a malformed one. */
static int take_suture_option(const char *arg, struct cc_args *args)
{
	static const char ease[] = "-fease-live-patching";
	if (strcmp(arg, ease) == 0 || str_starts_with(arg, "-fease-live-patching=")) {
		free(args->level);
		/* no value: the RFC's default level */
		args->level = xstrdup(arg[sizeof ease - 1] == '=' ? arg + sizeof ease : LEVEL_DEFAULT);
		return 1;
	}
	if (str_starts_with(arg, "-fease-live-patching-entry")) {
		if (!str_starts_with(arg, "-fease-live-patching-entry=") || !arg[strlen(ease) + 7])
			return err_set("'%s' names no entry form; use "
				       "'-fease-live-patching-entry=prefix' or '=nop'", arg);
		free(args->entry);
		args->entry = xstrdup(arg + strlen(ease) + 7);
		return 1;
	}
	if (str_starts_with(arg, "-flive-patching-list"))
		return parse_list_option(arg, args) < 0 ? -1 : 1;
	return 0;
}

/* Mode, -o and sources, from the expanded arguments. */
static void scan_gcc_args(struct cc_args *args)
{
	bool c = false, s = false, e = false;
	struct strv *a = &args->user_args;
	for (size_t i = 0; i < a->n; i++) {
		const char *arg = a->v[i];
		if (strcmp(arg, "-c") == 0)
			c = true;
		else if (strcmp(arg, "-S") == 0)
			s = true;
		else if (strcmp(arg, "-E") == 0)
			e = true;
		else if (strcmp(arg, "-o") == 0 && i + 1 < a->n) {
			free(args->output);
			args->output = xstrdup(a->v[++i]);
		} else if (str_starts_with(arg, "-o") && arg[2]) {
			free(args->output);
			args->output = xstrdup(arg + 2);
		} else if (option_takes_value(arg)) {
			i++;
		} else if (strcmp(arg, "-") == 0 ||
			   (arg[0] != '-' && !str_ends_with(arg, ".o") && !str_ends_with(arg, ".a") &&
			    !strstr(arg, ".so"))) {
			strv_push(&args->sources, arg);
		}
	}
	/* gcc's precedence: -E over -S over -c, whatever the order. */
	args->mode = e ? MODE_PREPROCESS : s ? MODE_ASSEMBLY : c ? MODE_COMPILE : MODE_LINK;
}

/* Takes the suture options out of ARGS->user_args from index FROM on;
 * returns how many there were, or -1. */
static int take_suture_options(struct cc_args *args, size_t from)
{
	int found = 0;
	for (size_t k = from; k < args->user_args.n; k++) {
		int taken = take_suture_option(args->user_args.v[k], args);
		if (taken < 0)
			return -1;
		found += taken;
	}
	return found;
}

int cc_args_parse(int argc, char **argv, struct cc_args *args)
{
	memset(args, 0, sizeof *args);
	for (int i = 1; i < argc; i++) {
		size_t first = args->user_args.n;
		bool from_file = expand_arg(argv[i], &args->user_args, 0);
		int found = take_suture_options(args, first);
		if (found < 0)
			return -1;
		if (found == 0) {
			strv_push(&args->gcc_args, argv[i]);
		} else if (from_file) {
			/* gcc would choke on our options: hand it the file's
			 * words without them */
			for (size_t k = first; k < args->user_args.n; k++)
				if (!is_suture_option(args->user_args.v[k]))
					strv_push(&args->gcc_args, args->user_args.v[k]);
		}
		args->any_suture_option |= found > 0;
	}
	scan_gcc_args(args);
	return 0;
}

void cc_args_free(struct cc_args *args)
{
	strv_free(&args->gcc_args);
	strv_free(&args->user_args);
	strv_free(&args->sources);
	free(args->level);
	free(args->entry);
	free(args->list_function);
	free(args->list_file);
	free(args->output);
}

char *cc_default_output(const char *source, enum cc_mode mode)
{
	const char *base = strrchr(source, '/');
	base = base ? base + 1 : source;
	const char *dot = strrchr(base, '.');
	size_t stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	return xasprintf("%.*s%s", (int)stem, base, mode == MODE_ASSEMBLY ? ".s" : ".o");
}
