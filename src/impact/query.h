/* What a hand-written patch misses (suture build --manual, the kGraft
 * way): every function of the impacted list of each function it replaces
 * that it does not define too.  Clones are not asked for by name: a clone
 * of F whose signature GCC chose is reached only from its callers, which
 * the list holds (and the patch must replace); one the patch source's own
 * compile makes again is replaced under its name. */
#ifndef SUTURE_IMPACT_QUERY_H
#define SUTURE_IMPACT_QUERY_H

#include <stddef.h>

struct impact_gap {
	char *function;     /* a function the patch replaces */
	char *missing;      /* a function of its impacted list the patch lacks */
	const char *why;    /* impact_why_word(): "inlined", "calls-clone", ... */
	char *via;          /* the function through which it is in the list */
};

/* The gaps of a patch replacing the NREPLACED functions REPLACED of the
 * build FILES (the target) and defining the NDEFINED functions DEFINED.
 * 0 with *GAPS (*NGAPS of them; NULL when none), or -1 with err_set(). */
int impact_gaps(const char *const *files, size_t nfiles, const char *const *replaced,
		size_t nreplaced, const char *const *defined, size_t ndefined,
		struct impact_gap **gaps, size_t *ngaps);
void impact_gaps_free(struct impact_gap *gaps, size_t n);

#endif
