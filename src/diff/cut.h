/* Internals of cutting a patch (cut.c), shared with ehframe.c. */
#ifndef SUTURE_DIFF_CUT_H
#define SUTURE_DIFF_CUT_H

#include "diff/diff.h"
#include "patchfile/patchwrite.h"

/* An undefined symbol made for something the target has. */
struct undefined_symbol {
	char *name;          /* its .symtab name: NAME, or NAME:FILE for a local */
	int id;
};

struct cut {
	struct diff *d;
	struct dobj *o, *p;
	struct patch_writer *pw;
	uint32_t object;
	int *sec_map;        /* patched section -> patch section (whole copies) */
	int *sym_map;        /* patched symbol -> patch symbol */
	int *queue;          /* copied symbols whose relocations are still to do */
	size_t nqueue;
	struct undefined_symbol *undefs;
	size_t nundefs;
	int failed;
};

/* The patch symbol and addend for relocation R of section SEC of the
 * patched object, copying what it refers to when that goes in the patch. */
int cut_map_target(struct cut *c, size_t sec, const struct dobj_rela *r, int64_t *addend);
/* The patch symbol of symbol INDEX of the patched object, copying it in
 * (with what it refers to) if it goes in the patch. */
int cut_include_symbol(struct cut *c, size_t index);
/* The unwind information (.eh_frame) of the functions in the patch. */
void cut_unwind_info(struct cut *c);

#endif
