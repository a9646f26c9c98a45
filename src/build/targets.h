/* The targets: the executables and shared libraries the patch is for.
 * Each is read before the build (its build-id and unit records bind the
 * patch), then found again in the rebuilt tree. */
#ifndef SUTURE_BUILD_TARGETS_H
#define SUTURE_BUILD_TARGETS_H

#include "build/session.h"

/* Reads PATH as a target.  0, or -1 with err_set(). */
int target_load(struct build_target *t, const char *path);
void target_free(struct build_target *t);

/* Without --target: every executable and shared library under SRCDIR
 * that holds unit records.  0, or -1 with err_set() when there is none. */
int targets_find(struct build_session *s);

/* Where the build in the overlay made T: the same path when T is in the
 * tree, else the tree's one ELF file of T's name with unit records.
 * NULL with err_set() when there is none. */
char *target_rebuilt_path(const struct build_session *s, const struct build_target *t);

/* The level the targets' units were compiled at (the first unit's; a
 * note when they differ). */
const char *targets_level(struct build_session *s);

#endif
