/* What <suture/patch.h> leaves in a patched object (docs/patch-format.md,
 * "Patch sources"), for `suture diff -o`: callback declarations become
 * .suture.callbacks records; SUTURE_STATIC names ("NAME:FILE") become
 * records of the target's local symbols. */
#ifndef SUTURE_DIFF_PATCHSRC_H
#define SUTURE_DIFF_PATCHSRC_H

#include "diff/object.h"

#include <stdbool.h>

/* Is section SEC the callback declarations (never copied into a patch)? */
bool patchsrc_is_decl_section(const struct dobj *o, size_t sec);
/* Splits a SUTURE_STATIC undefined name "NAME:FILE" into *NAME and *FILE
 * (both allocated); false for any other name. */
bool patchsrc_split_static(const char *sym_name, char **name, char **file);

struct cut;
/* Adds a callback record for each declaration of the patched object, the
 * callback function going into the patch; errors set c->failed. */
void cut_callbacks(struct cut *c);

#endif
