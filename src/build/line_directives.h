/* Keeping __LINE__ where it was, as the kernel's klp-build does.
 *
 * A fix that adds or removes lines moves every line below it: each
 * __LINE__ there (assert(), log macros) and each line of -g's line table
 * would change, and every function below the hunk would look changed.
 * After the diff is applied, a `#line N` directive goes after each hunk
 * that changed the line count, N being the line's number before the diff,
 * so that everything below the hunk keeps its old number (and its file
 * name: `#line N` alone does not change it).  suture diff recognises what
 * still moved (a __LINE__ inside the hunk's own function). */
#ifndef SUTURE_BUILD_LINE_DIRECTIVES_H
#define SUTURE_BUILD_LINE_DIRECTIVES_H

#include "build/session.h"

/* Inserts the directives into every touched C source and header.
 * 0, or -1 with err_set(). */
int line_directives_insert(struct build_session *s);

#endif
