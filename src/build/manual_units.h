/* suture build --manual: which of the target's units the patch source
 * replaces functions of, and the original object it is compared with.
 *
 * A function of the patch source replaces the target's function of the
 * same name (kGraft's way); the units defining one are found from their
 * objects: the one the tree holds at the unit's output path, or, when the
 * tree has none, the unit compiled again from its record.  One such unit
 * is compared as it is; several are first joined with `ld -r`, so that
 * one comparison sees them all. */
#ifndef SUTURE_BUILD_MANUAL_UNITS_H
#define SUTURE_BUILD_MANUAL_UNITS_H

#include "build/session.h"

/* The names of the functions defined in the object PATH (NULL-ended, *N
 * of them), or NULL with err_set(). */
char **object_functions(const char *path, size_t *n);

/* Marks the units (s->units, collected) that define a function of
 * FUNCS; *FIRST gets the index of the first, and *ORIG the path of the
 * object holding all of them.  0, or -1 with err_set() (none, or a static
 * function two units define). */
int manual_find_units(struct build_session *s, char *const *funcs, size_t nfuncs, size_t *first,
		      char **orig);

#endif
