/* The safety side: a constant equal to its own line number changes, and
 * the lines move too, but not by as much: a real change. */
int fail(int code);

int check(int x)
{
	if (x > 3)
		return fail(8);
	return x;
}
