/* What suture diff compares: two objects, or two static archives member
 * by member (docs/diff.md, "Archives").
 *
 * Members pair by name; when a name repeats (two units foo.c in two
 * directories both give foo.o), the k-th member of that name pairs with
 * the k-th.  Members whose bytes are equal are not analysed.  A patch
 * from several changed members is their parts merged into one patch
 * (patchfile/patchmerge.h), so they switch together. */
#ifndef SUTURE_DIFF_DIFFSET_H
#define SUTURE_DIFF_DIFFSET_H

#include "diff/diff.h"
#include "elf/archive.h"

#include <stdbool.h>
#include <stddef.h>

struct diff_unit {
	char *member;        /* "foo.o", "foo.o[2]" for the second of that name; NULL for objects */
	char *orig_name, *patched_name;   /* "lib.a(foo.o)" in messages */
	bool same_bytes;     /* an archive member left as it was: not analysed */
	struct diff d;
};

struct diff_set {
	bool archives;
	struct srcdiff *source_diff;   /* --source-diff, or NULL */
	struct diff_unit *units;
	size_t nunits;
	struct ar_member *orig_members, *patched_members;
	size_t norig, npatched;
};

/* Opens and analyses ORIG and PATCHED (two objects or two archives);
 * SOURCE_DIFF (or NULL) is the unified diff the fix was made from.
 * -1 with err_set() when they cannot be read or paired. */
int diff_set_analyze(struct diff_set *set, const char *orig, const char *patched,
		     const char *source_diff);
/* Counts over every unit. */
size_t diff_set_refusals(const struct diff_set *set);
bool diff_set_changed(const struct diff_set *set);
/* Writes one patch NAME holding every changed unit's part. */
int diff_set_write_patch(struct diff_set *set, const char *out, const char *name);
void diff_set_free(struct diff_set *set);

#endif
