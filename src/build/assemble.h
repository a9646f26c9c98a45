/* From pairs of objects to one patch: each changed unit's two objects are
 * compared (suture diff's analysis), what changed goes into the report
 * with its reasons, what cannot be patched live into its refusals, and
 * the units' parts (cut by suture diff) are merged into one patch with one
 * target object per target, bound by build-id. */
#ifndef SUTURE_BUILD_ASSEMBLE_H
#define SUTURE_BUILD_ASSEMBLE_H

#include "build/session.h"

/* Returns BUILD_WRITTEN, BUILD_REFUSED (nothing written) or
 * BUILD_NO_CHANGE, or -1 with err_set(). */
int assemble_patch(struct build_session *s);

#endif
