/* Does the build of the tree as it is reproduce the target?  The patch is
 * bound to the target's build-id and made by comparing objects of this
 * build, so a build that differs from the one the process runs would make a
 * patch for another program.  When the build-ids differ, the unit records
 * of the two files say what differs: the compiler, a unit's options, the
 * set of units; when they agree, the sources do. */
#ifndef SUTURE_BUILD_REPRODUCE_H
#define SUTURE_BUILD_REPRODUCE_H

#include "build/session.h"

/* 0 when REBUILT has T's build-id; else -1 with err_set() saying what
 * differs and what to do. */
int reproduce_check(const struct build_target *t, const char *rebuilt);

#endif
