/* The impacted list of one function: a walk over the graph that follows
 * the rules of the spec's inline-clone row (which is all the levels below
 * it can do, since their builds have no clones):
 *
 *   F's code is in: F, its clones, the functions F or its clones were
 *   inlined into, their clones, and so on ("body" members);
 *   a body member that is a clone whose signature GCC chose (constprop,
 *   isra, part) can get another signature, so its callers change ("caller"
 *   members, and whatever they were inlined into);
 *   callees that ipa-cp/ipa-sra specialised on what their callers pass
 *   change with what F's code passes them ("body" members too); in a
 *   function F was inlined into, only the callees F's own code calls count
 *   (all of them when GCC removed F's own code).
 */
#ifndef SUTURE_IMPACT_LISTS_H
#define SUTURE_IMPACT_LISTS_H

#include "impact/graph.h"

enum impact_why {
	WHY_CLONE,          /* a clone of VIA */
	WHY_INLINED,        /* VIA was inlined into it */
	WHY_CALLS_CLONE,    /* it calls VIA, a clone whose signature may change */
	WHY_CALLEE_CLONE,   /* a clone specialised on what VIA passes it */
};

struct impact_member {
	int node;
	int via;
	enum impact_why why;
};

/* Scratch space for computing many lists over one graph. */
struct lister {
	const struct graph *g;
	unsigned char *reach;           /* per node: 0, caller, body */
	int *queue;
	enum impact_why *why_of;        /* per reached node: why it is in, */
	int *via_of;                    /* and through which node */
	unsigned run;                   /* stamps the two arrays below */
	unsigned *family;               /* == run: F or a clone of F */
	unsigned *passes_to;            /* == run: F's family calls it (by root) */
	unsigned *in_code;              /* == run: the family or inlined into it */
	struct impact_member *found;    /* the last list, sorted by name */
	size_t n_found;
};

void lister_init(struct lister *l, const struct graph *g);
void lister_free(struct lister *l);

/* Computes the list of node F into l->found / l->n_found: functions that
 * exist in the files read (all named ones when only dumps were read), F
 * itself left out. */
void lister_run(struct lister *l, int f);

/* The word --json uses for WHY (man/suture-impact.1): "clone", "inlined",
 * "calls-clone", "callee-clone". */
const char *impact_why_word(enum impact_why why);

#endif
