/* suture diff: what changed between two builds of one translation unit.
 *
 * diff_analyze() correlates the two objects (correlate.c), compares each
 * pair (compare.c), sets each symbol's state and reasons, and collects
 * what cannot be patched live (refuse.c).  diff_write_patch() cuts the new
 * code out into a patch file (cut.c). */
#ifndef SUTURE_DIFF_DIFF_H
#define SUTURE_DIFF_DIFF_H

#include "diff/object.h"

enum diff_state {
	DIFF_SAME = 0,
	DIFF_CHANGED,
	DIFF_NEW,
	DIFF_REMOVED,
	DIFF_LINE_ONLY,   /* only __LINE__ values moved: not a change */
};

/* Why a function changed (bits). */
enum {
	DIFF_R_CODE = 1u << 0,       /* its instructions differ */
	DIFF_R_REFERENCE = 1u << 1,  /* a relocation refers to something else */
	DIFF_R_CLONE_ABI = 1u << 2,  /* it calls a clone that changed */
	DIFF_R_INLINED = 1u << 3,    /* a function inlined into it changed */
	DIFF_R_PART = 1u << 4,       /* goes with its split-off part (f / f.cold) */
	DIFF_R_SIZE = 1u << 5,       /* data: its size differs */
	DIFF_R_VALUE = 1u << 6,      /* data: its initial value differs */
};

struct diff_refusal {
	char *symbol;
	char *reason;
	char *way_out;
};

struct diff_note {
	char *symbol;
	char *text;
};

struct srcdiff;

struct diff {
	struct dobj *orig, *patched;
	const struct srcdiff *source_diff;   /* --source-diff, or NULL (srcdiff.h) */
	struct diff_refusal *refusals;
	size_t nrefusals;
	struct diff_note *notes;
	size_t nnotes;
	size_t n_changed, n_new, n_removed;  /* functions and data together */
	/* The patched object is a hand-written patch source (suture build
	 * --manual): it defines only what it replaces or adds, so what it
	 * does not define stays as it is in the target, never "removed". */
	bool manual;
};

/* Opens and analyzes the two objects.  -1 with err_set() only when an
 * object cannot be read; refusals are results, not errors. */
int diff_analyze(struct diff *d, const char *orig_path, const char *patched_path,
		 const struct srcdiff *source_diff);
/* The same for a hand-written patch source compiled to SOURCE_OBJ, against
 * ORIG_PATH, the object(s) of the target's units it replaces functions of
 * (suture build --manual; see diff->manual). */
int diff_analyze_manual(struct diff *d, const char *orig_path, const char *source_obj);
/* The same for D->orig and D->patched, already open (archive members). */
void diff_analyze_objects(struct diff *d);
void diff_free(struct diff *d);

void diff_refuse(struct diff *d, const char *symbol, const char *way_out, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diff_note(struct diff *d, const char *symbol, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Pairs every function and data symbol with its twin (correlate.c). */
void diff_correlate(struct dobj *o, struct dobj *p);
/* Collects the refusals (refuse.c). */
void diff_check_refusals(struct diff *d);
/* Refuses global functions whose signature changed (signature.c). */
void diff_check_signatures(struct diff *d);
/* Reasons from the unit records: inlined callees (inline.c). */
void diff_inline_reasons(struct diff *d);
/* True when functions A (orig) and B (patched) differ only in __LINE__
 * values (linefix.c); *detail gets what moved. */
bool diff_only_line_moved(const struct diff *d, int a, int b, char **detail);
/* Frees what linefix.c keeps between calls. */
void diff_lines_release(void);

/* Text for a reason bit set. */
const char *diff_reason_name(unsigned bit);
const char *diff_state_name(enum diff_state s);

/* Writes this unit's part of a patch named NAME (cut.c). */
int diff_write_patch(struct diff *d, const char *path, const char *name);

#endif
