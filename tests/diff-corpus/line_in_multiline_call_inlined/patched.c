/* expat's accountingDiffTolerated(..., __LINE__, ...) case: a helper
 * inlined into two callers, called over several lines, __LINE__ on the
 * second; the helper itself lies below the callers, so its lines move too. */
void report(int tok, int line);
/* two lines
 * above */
static inline int tolerated(int tok, int before, int after, int line);

int do_content(int tok, int s, int next)
{
	if (!tolerated(tok, s,
		       next, __LINE__))
		return -1;
	return next;
}

int do_prolog(int tok, int s, int next)
{
	if (!tolerated(tok, s, next, __LINE__))
		return -2;
	return s;
}

static inline int tolerated(int tok, int before, int after, int line)
{
	if (tok > 3 && after - before > 100) {
		report(tok, line);
		return 0;
	}
	return 1;
}
