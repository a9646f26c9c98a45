/* An assert() inside a helper that is inlined into its callers: lines
 * added above the helper move the __LINE__ in the helper's own code,
 * which the line table gives as the inlined callee's line. */
#include <assert.h>

/* moved down
 * by three */

static inline int slot(const int *table, int i)
{
	assert(i >= 0 && i < 16);
	return table[i];
}

int first_slot(const int *table)
{
	return slot(table, 0) + slot(table, 1);
}

int last_slot(const int *table, int i)
{
	return slot(table, i) * 2;
}
