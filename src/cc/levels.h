/* The four -fease-live-patching levels of the GCC RFC "options to help
 * live patching", each as the gcc options that allow exactly the IPA
 * transformations docs/README's table allows, and the user options that
 * would contradict it. */
#ifndef SUTURE_CC_LEVELS_H
#define SUTURE_CC_LEVELS_H

#include <stddef.h>

#define LEVEL_DEFAULT "inline-clone"
#define LEVEL_NAMES "none, only-inline-static, inline, inline-clone"

struct level {
	const char *name;
	/* gcc options the level adds, NULL-terminated (sections included;
	 * the entry padding's option is the entry form's). */
	const char *const *gcc_options;
	/* -f options (without "-f") the user may not leave on, NULL-terminated. */
	const char *const *forbidden;
};

/* The level called NAME, or NULL. */
const struct level *level_find(const char *name);

/* Checks the user's arguments against LEVEL: an -fX that the level turns
 * off and the user leaves on (the last of -fX / -fno-X wins) is refused.
 * Returns 0, or -1 with err_set() naming the option. */
int level_check_args(const struct level *level, char *const *args, size_t n_args);

/* Checks that GCC (a program name or path) knows every one of OPTIONS
 * (NULL-terminated: what suture-cc adds for LEVEL), by asking its driver
 * (-###, no compilation).  On success stores its version ("12.2.0") in
 * *version (malloc'd).  Returns 0, or -1 with err_set() naming the option
 * GCC lacks. */
int level_probe_gcc(const struct level *level, const char *const *options, const char *gcc,
		    char **version);

#endif
