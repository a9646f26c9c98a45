/* __LINE__ passed to a helper that is inlined: the instruction loading it
 * belongs to the helper's line in the line table; the value is the line
 * of the call, which moved. */
void report(const char *what, int line);

static inline int checked(int value, int line)
{
	if (value < 0) {
		report("negative", line);
		return 0;
	}
	return value;
}

/* three lines
 * of comment
 * inserted */
int parse_one(int v)
{
	return checked(v, __LINE__) + 1;
}
