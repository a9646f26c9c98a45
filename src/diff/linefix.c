/* __LINE__ moves: see docs/diff.md. */
#include "diff/diff.h"

bool diff_only_line_moved(const struct dobj *o, int a, const struct dobj *p, int b, char **detail)
{
	return false;
}
