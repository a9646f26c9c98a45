/* suture-cc's view of a gcc command line: its own options taken out, the
 * rest left for gcc to parse.  suture-cc only looks at what it needs: the
 * mode (-c, -S, -E or link), -o, and the source files, to name outputs. */
#ifndef SUTURE_CC_DRIVER_ARGS_H
#define SUTURE_CC_DRIVER_ARGS_H

#include <stdbool.h>
#include <stddef.h>

enum cc_mode { MODE_LINK, MODE_COMPILE, MODE_ASSEMBLY, MODE_PREPROCESS };

struct strv {
	char **v;
	size_t n;
};
void strv_push(struct strv *sv, const char *s);
void strv_free(struct strv *sv);

struct cc_args {
	struct strv gcc_args;  /* for gcc, after argv[0]: the user's minus suture's options */
	struct strv user_args; /* the user's arguments, @files expanded */
	char *level;           /* -fease-live-patching value; NULL without */
	char *entry;           /* -fease-live-patching-entry value; NULL without */
	bool list;             /* -flive-patching-list given */
	char *list_function;   /* its FUNC; NULL = all */
	char *list_file;       /* its FILE; NULL = standard output */
	enum cc_mode mode;
	char *output;          /* -o value, NULL without */
	struct strv sources;   /* input files that are not objects or libraries */
	bool any_suture_option;
};

/* Splits ARGV (argv[0] excluded).  Returns 0, or -1 with err_set() for a
 * malformed suture option (a usage error). */
int cc_args_parse(int argc, char **argv, struct cc_args *args);
void cc_args_free(struct cc_args *args);

/* The file gcc writes for SOURCE in MODE when no -o is given: its base name
 * with the suffix of MODE (".o" or ".s").  malloc'd. */
char *cc_default_output(const char *source, enum cc_mode mode);

#endif
