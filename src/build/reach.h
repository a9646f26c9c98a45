/* What a unit's part of the patch reaches that the running target cannot
 * give it, found when the patch is made rather than when it is applied.
 *
 * GCC's PIE code reaches an extern variable PC-relatively, counting on a
 * copy relocation in the executable.  When the target program has none
 * (it never used the variable), the variable lies in another object, far
 * beyond a rel32 from the patch: the loader reroutes loads and lea through
 * its own memory (runtime/extern_data.h) and refuses anything else.  With
 * the target known, suture build refuses such a patch at once, naming the
 * variable, instead of leaving the refusal to every `suture apply`. */
#ifndef SUTURE_BUILD_REACH_H
#define SUTURE_BUILD_REACH_H

#include "build/session.h"

/* Checks PART (a patch part cut from unit U) against each of U's targets;
 * each reference the runtime would refuse becomes a refusal of the report.
 * 0, or -1 with err_set() when a file cannot be read. */
int reach_check(struct build_session *s, const struct build_unit *u, const char *part);

#endif
