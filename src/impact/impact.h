/* Impacted lists: for a function F, every function that must be patched
 * together with F because of what the compiler did (inlining, cloning,
 * splitting).  Used by `suture impact` and `suture-cc -flive-patching-list`. */
#ifndef SUTURE_IMPACT_IMPACT_H
#define SUTURE_IMPACT_IMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct impact_request {
	const char *const *functions;   /* the functions to list; NULL/0 = all */
	size_t n_functions;
	bool json;                      /* --json instead of "F: G H ..." lines */
};

/* Reads the unit records (docs/unit-records.md) and code of FILES (objects,
 * executables, shared libraries built with suture-cc) and prints the lists
 * to OUT.  Returns 0, or -1 with err_set(). */
int impact_print_lists(const char *const *files, size_t n_files,
		       const struct impact_request *req, FILE *out);

#endif
