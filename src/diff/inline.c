/* Reasons from the unit records (.suture.units, docs/unit-records.md):
 * gcc's ipa-clones dump says which functions were inlined into which, so a
 * changed function whose inlined callee changed says so.
 *
 * A callee "changed" when one of its out-of-line copies (itself or a
 * clone) changed, appeared or went away.  When no copy is left (every call
 * inlined), the objects cannot show its body, so it counts as changed when
 * it was inlined into two functions or more and all of them changed. */
#include "diff/diff.h"
#include "diff/names.h"
#include "cc/unit_record.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

/* Field N (0-based) of a ';'-separated line, copied into out. */
static bool field(const char *line, int n, char *out, size_t outsize)
{
	const char *p = line;
	for (int i = 0; i < n; i++) {
		p = strchr(p, ';');
		if (!p)
			return false;
		p++;
	}
	size_t len = strcspn(p, ";");
	if (len >= outsize)
		return false;
	memcpy(out, p, len);
	out[len] = '\0';
	return true;
}

/* How the symbols whose source function is BASE fared: any out-of-line
 * copy at all, and did one change. */
static void copies_of(const struct dobj *o, const struct dobj *p, const char *base,
		      bool *any, bool *changed)
{
	size_t n = strlen(base);
	*any = *changed = false;
	for (int side = 0; side < 2; side++) {
		const struct dobj *x = side ? p : o;
		for (size_t i = 0; i < x->nsyms; i++) {
			const struct dobj_symbol *s = &x->syms[i];
			if (s->kind != DSYM_FUNC || strncmp(s->name, base, n) != 0 ||
			    (s->name[n] != '\0' && s->name[n] != '.'))
				continue;
			*any = true;
			if (s->state != DIFF_SAME && s->state != DIFF_LINE_ONLY)
				*changed = true;
		}
	}
}

static struct dobj_symbol *changed_function(struct dobj *o, const char *name, bool *exists)
{
	for (size_t i = 0; i < o->nsyms; i++) {
		struct dobj_symbol *s = &o->syms[i];
		if (s->kind == DSYM_FUNC && strcmp(s->name, name) == 0) {
			*exists = true;
			return s->state == DIFF_CHANGED ? s : NULL;
		}
	}
	*exists = false;
	return NULL;
}

/* The callers CALLEE was inlined into, per the records (one line per call
 * site: each caller counts once). */
static void inline_reasons_for(struct diff *d, char **lines, size_t n, const char *callee)
{
	bool any_copy, copy_changed;
	copies_of(d->orig, d->patched, callee, &any_copy, &copy_changed);
	char **names = NULL;
	struct dobj_symbol **changed = NULL;
	size_t ncallers = 0, nchanged = 0;
	for (size_t i = 0; i < n; i++) {
		char name[512], caller[512];
		if (!str_ends_with(lines[i], ";inlining to") || !field(lines[i], 1, name, sizeof name) ||
		    strcmp(name, callee) != 0 || !field(lines[i], 6, caller, sizeof caller) ||
		    strcmp(caller, callee) == 0)
			continue;
		bool exists;
		struct dobj_symbol *s = changed_function(d->orig, caller, &exists);
		if (str_in_list(names, ncallers, caller) || !exists)
			continue;
		names = xrealloc(names, (ncallers + 1) * sizeof *names);
		names[ncallers++] = xstrdup(caller);
		if (s) {
			changed = xrealloc(changed, (nchanged + 1) * sizeof *changed);
			changed[nchanged++] = s;
		}
	}
	bool callee_changed = any_copy ? copy_changed : ncallers >= 2 && nchanged == ncallers;
	for (size_t i = 0; callee_changed && i < nchanged; i++)
		changed[i]->reasons |= DIFF_R_INLINED;
	for (size_t i = 0; i < ncallers; i++)
		free(names[i]);
	free(names);
	free(changed);
}

static bool is_changed_name(struct dobj_symbol **changed, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(changed[i]->name, name) == 0)
			return true;
	return false;
}

/* Only callees inlined into a changed function matter; a patch changes few
 * functions, so these lists stay short even for a unit of 100k lines. */
static void reasons_of_unit(struct diff *d, struct unit_record *rec,
			    struct dobj_symbol **changed, size_t nchanged)
{
	char **callees = NULL;
	size_t ncallees = 0;
	for (size_t i = 0; i < rec->n_ipa_clones; i++) {
		char callee[512], caller[512];
		const char *line = rec->ipa_clones[i];
		if (!str_ends_with(line, ";inlining to") || !field(line, 1, callee, sizeof callee) ||
		    !field(line, 6, caller, sizeof caller) ||
		    !is_changed_name(changed, nchanged, caller))
			continue;
		if (str_in_list(callees, ncallees, callee))
			continue;
		callees = xrealloc(callees, (ncallees + 1) * sizeof *callees);
		callees[ncallees++] = xstrdup(callee);
	}
	for (size_t j = 0; j < ncallees; j++) {
		inline_reasons_for(d, rec->ipa_clones, rec->n_ipa_clones, callees[j]);
		free(callees[j]);
	}
	free(callees);
}

void diff_inline_reasons(struct diff *d)
{
	if (!d->patched->units)
		return;
	struct dobj *o = d->orig;
	struct dobj_symbol **changed = xcalloc(o->nsyms + 1, sizeof *changed);
	size_t nchanged = 0;
	for (size_t i = 0; i < o->nsyms; i++)
		if (o->syms[i].kind == DSYM_FUNC && o->syms[i].state == DIFF_CHANGED)
			changed[nchanged++] = &o->syms[i];
	struct unit_records recs = { 0 };
	/* The records are a hint here: without them, no such reason. */
	if (nchanged && unit_records_parse(d->patched->path, d->patched->units,
					   d->patched->units_size, &recs) == 0)
		for (size_t u = 0; u < recs.n_units; u++)
			reasons_of_unit(d, &recs.units[u], changed, nchanged);
	unit_records_free(&recs);
	free(changed);
}
