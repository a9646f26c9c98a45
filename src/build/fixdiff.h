/* The source diff: which files it touches and where its hunks are
 * (parsed from the unified diff's headers), and applying it to the tree
 * with patch(1), which takes both `diff -u` and `git diff` output. */
#ifndef SUTURE_BUILD_FIXDIFF_H
#define SUTURE_BUILD_FIXDIFF_H

#include "build/session.h"

/* Fills s->touched from the diff file.  0, or -1 with err_set() when it
 * is no unified diff. */
int fixdiff_read(struct build_session *s);
/* Applies it (patch -p1) inside the overlay.  0, or -1 with err_set(). */
int fixdiff_apply(struct build_session *s);

#endif
