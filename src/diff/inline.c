/* Reasons from the unit records (.suture.units, docs/unit-records.md):
 * gcc's ipa-clones dump says which functions were inlined into which, so a
 * changed function whose inlined callee also changed says so. */
#include "diff/diff.h"
#include "diff/names.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

/* Field N (0-based) of a ';'-separated line, copied into out. */
static bool field(const char *line, size_t len, int n, char *out, size_t outsize)
{
	const char *p = line, *end = line + len;
	for (int i = 0; i < n; i++) {
		p = memchr(p, ';', (size_t)(end - p));
		if (!p)
			return false;
		p++;
	}
	const char *stop = memchr(p, ';', (size_t)(end - p));
	if (!stop)
		stop = end;
	size_t n_chars = (size_t)(stop - p) < outsize - 1 ? (size_t)(stop - p) : outsize - 1;
	memcpy(out, p, n_chars);
	out[n_chars] = '\0';
	return true;
}

/* A function of the source changed: some symbol with that base name
 * (itself or one of its clones) changed, is new or was removed. */
static bool source_function_changed(const struct dobj *o, const struct dobj *p, const char *base)
{
	for (int side = 0; side < 2; side++) {
		const struct dobj *x = side ? p : o;
		for (size_t i = 0; i < x->nsyms; i++) {
			const struct dobj_symbol *s = &x->syms[i];
			if (s->kind != DSYM_FUNC || s->state == DIFF_SAME || s->state == DIFF_LINE_ONLY)
				continue;
			size_t n = strlen(base);
			if (strncmp(s->name, base, n) == 0 && (s->name[n] == '\0' || s->name[n] == '.'))
				return true;
		}
	}
	return false;
}

static void mark_callers(struct diff *d, const char *caller)
{
	struct dobj *o = d->orig;
	for (size_t i = 0; i < o->nsyms; i++) {
		struct dobj_symbol *s = &o->syms[i];
		if (s->kind == DSYM_FUNC && s->state == DIFF_CHANGED && strcmp(s->name, caller) == 0)
			s->reasons |= DIFF_R_INLINED;
	}
}

void diff_inline_reasons(struct diff *d)
{
	const char *text = d->patched->units;
	size_t size = d->patched->units_size;
	if (!text)
		return;
	const char *end = text + size;
	for (const char *line = text; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *stop = nl ? nl : end;
		size_t len = (size_t)(stop - line);
		static const char tail[] = ";inlining to";
		char callee[256], caller[256];
		if (len > sizeof tail && memcmp(stop - (sizeof tail - 1), tail, sizeof tail - 1) == 0 &&
		    strncmp(line, "Callgraph clone;", 16) == 0 &&
		    field(line, len, 1, callee, sizeof callee) &&
		    field(line, len, 6, caller, sizeof caller) &&
		    source_function_changed(d->orig, d->patched, callee))
			mark_callers(d, caller);
		line = stop + 1;
	}
}
