/* Compiling one unit again, exactly as its unit record says it was
 * compiled (same directory, same arguments, through suture-cc), and
 * keeping a copy of the object for the comparison.  The same command
 * before and after the diff makes the two objects differ only where the
 * diff does. */
#ifndef SUTURE_BUILD_RECOMPILE_H
#define SUTURE_BUILD_RECOMPILE_H

#include "build/session.h"

#include <time.h>

/* Compiles U and copies its object to COPY.  0, or -1 with err_set()
 * (the compiler's messages are in the build log). */
int recompile_unit(struct build_session *s, const struct build_unit *u, const char *copy);

/* The same, but when the project's build already made U's object (after
 * SINCE, when not NULL: the build with the diff must have made it), that
 * object is copied instead: the same command made it, and compiling takes
 * most of suture build's own time.  *COMPILED says which. */
int unit_object(struct build_session *s, const struct build_unit *u, const char *copy,
		const struct timespec *since, bool *compiled);

#endif
