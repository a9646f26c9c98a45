/* The translation units of the targets, from their unit records, and
 * which of them the diff changes: a unit whose source the diff touches,
 * or any file it includes (includes.c).  The project's own dependency
 * tracking is not asked: a Makefile that does not know a header, or a
 * sub-build it does not rerun (redis's deps/), would miss units. */
#ifndef SUTURE_BUILD_UNITS_H
#define SUTURE_BUILD_UNITS_H

#include "build/session.h"

/* One entry per object of the targets (an object in two targets, once). */
void units_collect(struct build_session *s);
/* Sets unit->changed.  0, or -1 with err_set(). */
int units_mark_changed(struct build_session *s);
void units_free(struct build_session *s);

/* The files UNIT includes (absolute), from gcc -M.  -1 with err_set(). */
int includes_of(const struct build_unit *unit, char ***files, size_t *n);

#endif
