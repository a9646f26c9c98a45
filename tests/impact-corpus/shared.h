/* A function defined in a header: every unit that includes it inlines its
 * own copy, so changing it means patching every unit's callers. */
extern volatile int sink;

static inline int clamp_add(int a, int b)
{
	int s = a + b;
	sink = s;
	return s > 1000 ? 1000 : s;
}
