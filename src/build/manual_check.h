/* suture build --manual: is the hand-written patch complete?  Each
 * function it replaces comes with its impacted list, from the target's
 * unit records (what GCC inlined it into, the callers of its clones...,
 * as `suture impact` prints it): a function of that list the patch source
 * does not define too is named, and the patch is refused, or, with
 * --force, written with a warning that names them. */
#ifndef SUTURE_BUILD_MANUAL_CHECK_H
#define SUTURE_BUILD_MANUAL_CHECK_H

#include "build/session.h"

/* The session's before_write hook.  0, BUILD_REFUSED (report.refusals
 * name what is missing), or -1 with err_set(). */
int manual_check_impacted(struct build_session *s);

/* The patch MADE, before it is put in place: every function it replaces
 * must be, in the target's file, what the unit objects it was compared
 * with say (a unit's object in the tree may be newer than the target).
 * 0, or -1 with err_set() naming the function and what to do. */
int manual_check_target(struct build_session *s, const char *made);

#endif
