/* suture build: from a source diff to one patch, kpatch-build style.
 *
 * build_run() builds the project as it is with its own build command
 * (every compile through suture-cc), checks that the result reproduces each
 * target (same build-id), applies the diff, compiles again every unit whose
 * source or included header changed, diffs each changed object and writes
 * one patch bound to every target by build-id.  All of it happens in a
 * private mount namespace, over an overlay mounted at the source tree's own
 * path (overlay.c): the paths the objects record are the original ones, and
 * the real tree is never written, whatever happens (docs/build.md). */
#ifndef SUTURE_BUILD_BUILD_H
#define SUTURE_BUILD_BUILD_H

#include <stdbool.h>
#include <stddef.h>

struct build_options {
	const char *srcdir;          /* the source tree (absolute) */
	const char *build_cmd;       /* the project's build command; NULL: make */
	const char *const *targets;  /* --target files (absolute); may be none */
	size_t ntargets;
	const char *diff;            /* the unified diff (absolute) */
	const char *out;             /* the patch to write (absolute) */
	const char *name;            /* the patch's name */
	const char *suture_cc;       /* the suture-cc program to compile with */
	const char *sign_key;        /* --sign: the secret key to sign with, or NULL */
	const char *manual_source;   /* --manual: the patch source (absolute), or NULL */
	bool force;                  /* --manual --force: write it though incomplete */
	/* Called with one line of progress (which build, which unit). */
	void (*progress)(void *ctx, const char *line);
	void *progress_ctx;
};

/* One function or datum of the patch, with why it is there. */
struct build_entry {
	char *name;         /* its name in the target */
	char *unit;         /* the source file of its unit */
	char *target;       /* the target file's base name */
	const char *state;  /* "changed", "new", "removed" */
	char *reasons;      /* e.g. "code, inlined" (diff_reason_name()s) */
	char *detail;       /* NULL or what changed */
	bool is_func;
};

struct build_refusal {
	char *unit, *symbol, *reason, *way_out;
};

struct build_report {
	char **targets;             /* "NAME BUILD-ID-HEX" */
	size_t ntargets;
	char **recompiled;          /* sources of the units compiled again */
	size_t nrecompiled;
	char **forced;              /* of those, the ones the project's own
	                               build did not compile: suture build did */
	size_t nforced;
	struct build_entry *entries;
	size_t nentries;
	char **line_only;           /* functions where only __LINE__ moved */
	size_t nline_only;
	struct build_refusal *refusals;
	size_t nrefusals;
	const char *refusal_title;  /* how they are introduced; NULL: "cannot patch live" */
	char **notes;               /* things the user should know */
	size_t nnotes;
	char **warnings;            /* what --force let through */
	size_t nwarnings;
	char *log_tail;             /* the end of a failed build's output */
	double secs_original, secs_patched, secs_total;
	bool written;
};

/* The outcome of build_run(), besides -1 (an error, err_set()). */
enum build_outcome {
	BUILD_WRITTEN = 0,
	BUILD_REFUSED = 1,    /* something cannot be patched live: report.refusals */
	BUILD_NO_CHANGE = 3,  /* the diff changes no function */
};

int build_run(const struct build_options *opt, struct build_report *report);
/* suture build --manual (manual.c): the patch from a hand-written patch
 * source, OPT->manual_source, for the one target OPT->targets[0]. */
int build_manual(const struct build_options *opt, struct build_report *report);
void build_report_free(struct build_report *report);

#endif
