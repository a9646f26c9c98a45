/* suture diff's analysis: see diff.h. */
#include "diff/diff.h"
#include "diff/compare.h"
#include "diff/names.h"
#include "common/error.h"
#include "common/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void diff_refuse(struct diff *d, const char *symbol, const char *way_out, const char *fmt, ...)
{
	d->refusals = xrealloc(d->refusals, (d->nrefusals + 1) * sizeof *d->refusals);
	struct diff_refusal *r = &d->refusals[d->nrefusals++];
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&r->reason, fmt, ap) < 0)
		r->reason = xstrdup("?");
	va_end(ap);
	r->symbol = xstrdup(symbol);
	r->way_out = xstrdup(way_out);
}

void diff_note(struct diff *d, const char *symbol, const char *fmt, ...)
{
	d->notes = xrealloc(d->notes, (d->nnotes + 1) * sizeof *d->notes);
	struct diff_note *n = &d->notes[d->nnotes++];
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&n->text, fmt, ap) < 0)
		n->text = xstrdup("?");
	va_end(ap);
	n->symbol = xstrdup(symbol);
}

const char *diff_reason_name(unsigned bit)
{
	switch (bit) {
	case DIFF_R_CODE: return "code";
	case DIFF_R_REFERENCE: return "reference";
	case DIFF_R_CLONE_ABI: return "clone-abi";
	case DIFF_R_INLINED: return "inlined";
	case DIFF_R_PART: return "part";
	case DIFF_R_SIZE: return "size";
	case DIFF_R_VALUE: return "value";
	}
	return "?";
}

const char *diff_state_name(enum diff_state s)
{
	switch (s) {
	case DIFF_SAME: return "same";
	case DIFF_CHANGED: return "changed";
	case DIFF_NEW: return "new";
	case DIFF_REMOVED: return "removed";
	case DIFF_LINE_ONLY: return "line-only";
	}
	return "?";
}

/* Data holding code addresses inside functions (the label tables of
 * computed gotos) is part of that code, not state of the program. */
static void mark_code_attached(struct dobj *o)
{
	for (size_t i = 0; i < o->nsyms; i++) {
		struct dobj_symbol *s = &o->syms[i];
		if (s->kind != DSYM_DATA || s->sym.st_shndx >= o->nsecs)
			continue;
		size_t sec = s->sym.st_shndx, n;
		size_t first = dobj_relas_in(o, sec, s->sym.st_value, s->sym.st_value + s->sym.st_size, &n);
		for (size_t r = first; r < first + n; r++) {
			struct ref ref;
			ref_resolve(o, sec, &o->secs[sec].relas[r], &ref);
			if (ref.kind == REF_SYMBOL && o->syms[ref.sym].kind == DSYM_FUNC && ref.off != 0)
				s->code_attached = true;
		}
	}
}

static void compare_pairs(struct diff *d)
{
	struct dobj *o = d->orig, *p = d->patched;
	for (size_t i = 0; i < o->nsyms; i++) {
		struct dobj_symbol *s = &o->syms[i];
		if (s->kind == DSYM_OTHER)
			continue;
		if (s->twin < 0) {
			s->state = d->manual ? DIFF_SAME : DIFF_REMOVED;
			continue;
		}
		char *detail = NULL;
		unsigned why = compare_symbols(o, (int)i, p, s->twin, &detail);
		if (why == DIFF_R_CODE) {
			char *line_detail = NULL;
			if (diff_only_line_moved(d, (int)i, s->twin, &line_detail)) {
				s->state = DIFF_LINE_ONLY;
				diff_note(d, s->name, "%s", line_detail);
				free(line_detail);
				free(detail);
				continue;
			}
		}
		s->state = why ? DIFF_CHANGED : DIFF_SAME;
		s->reasons = why;
		s->detail = detail;
	}
	for (size_t i = 0; i < p->nsyms; i++)
		if (p->syms[i].kind != DSYM_OTHER)
			p->syms[i].state = p->syms[i].twin < 0 ? DIFF_NEW : o->syms[p->syms[i].twin].state;
}

/* Calls the function FN for each function or data symbol that function F
 * of O refers to. */
static void for_each_target(struct dobj *o, size_t f, void (*fn)(struct dobj *, size_t, int, void *),
			    void *arg)
{
	const struct dobj_symbol *s = &o->syms[f];
	size_t sec = s->sym.st_shndx, n;
	size_t first = dobj_relas_in(o, sec, s->sym.st_value, s->sym.st_value + s->sym.st_size, &n);
	for (size_t r = first; r < first + n; r++) {
		struct ref ref;
		ref_resolve(o, sec, &o->secs[sec].relas[r], &ref);
		if (ref.kind == REF_SYMBOL && ref.sym != (int)f)
			fn(o, f, ref.sym, arg);
	}
}

static void change(struct dobj *o, size_t i, unsigned why)
{
	struct dobj_symbol *s = &o->syms[i];
	if (s->state == DIFF_SAME || s->state == DIFF_LINE_ONLY)
		s->state = DIFF_CHANGED;
	s->reasons |= why;
}

/* f and f.cold jump into each other: they change together. */
static void tie_part(struct dobj *p, size_t f, int target, void *changed_flag)
{
	struct dobj_symbol *a = &p->syms[f], *b = &p->syms[target];
	if (b->kind != DSYM_FUNC || (!a->is_part && !b->is_part))
		return;
	char *base_a = name_base(a->name), *base_b = name_base(b->name);
	bool family = strcmp(base_a, base_b) == 0;
	free(base_a);
	free(base_b);
	if (!family)
		return;
	bool a_changed = a->state == DIFF_CHANGED || a->state == DIFF_NEW;
	bool b_changed = b->state == DIFF_CHANGED || b->state == DIFF_NEW;
	if (a_changed == b_changed)
		return;
	change(p, a_changed ? (size_t)target : f, DIFF_R_PART);
	*(bool *)changed_flag = true;
}

/* A function reading static constant data that changed reads the copy
 * in the patch, so it is patched too; so is data pointing to it (a table
 * of tables), and then what reads that. */
static void const_reason(struct dobj *p, size_t f, int target, void *changed_flag)
{
	struct dobj_symbol *t = &p->syms[target], *s = &p->syms[f];
	if (t->kind == DSYM_DATA && t->const_local && t->state == DIFF_CHANGED &&
	    s->state != DIFF_CHANGED && s->state != DIFF_NEW) {
		change(p, f, s->kind == DSYM_FUNC ? DIFF_R_REFERENCE : DIFF_R_VALUE);
		if (!s->detail)
			s->detail = xasprintf(s->kind == DSYM_FUNC ? "reads %s, whose contents changed"
					      : "points to %s, whose contents changed", t->name);
		*(bool *)changed_flag = true;
	}
}

static void clone_reason(struct dobj *p, size_t f, int target, void *unused)
{
	struct dobj_symbol *t = &p->syms[target];
	if (t->kind == DSYM_FUNC && name_is_clone(t->name) && !t->is_part &&
	    (t->state == DIFF_CHANGED || t->state == DIFF_NEW))
		p->syms[f].reasons |= DIFF_R_CLONE_ABI;
}

/* Mirrors the states set on the patched side back to the original side. */
static void sync_states(struct dobj *o, struct dobj *p)
{
	for (size_t i = 0; i < p->nsyms; i++) {
		struct dobj_symbol *s = &p->syms[i];
		if (s->kind != DSYM_OTHER && s->twin >= 0) {
			o->syms[s->twin].state = s->state;
			o->syms[s->twin].reasons |= s->reasons;
			s->reasons = o->syms[s->twin].reasons;
			if (!o->syms[s->twin].detail)
				o->syms[s->twin].detail = s->detail;
			s->detail = o->syms[s->twin].detail;
		}
	}
}

static void propagate(struct diff *d)
{
	struct dobj *p = d->patched;
	for (size_t i = 0; i < p->nsyms; i++)
		if (p->syms[i].twin >= 0)
			p->syms[i].reasons = d->orig->syms[p->syms[i].twin].reasons;
	bool again = true;
	while (again) {
		again = false;
		for (size_t i = 0; i < p->nsyms; i++) {
			if (p->syms[i].kind == DSYM_FUNC)
				for_each_target(p, i, tie_part, &again);
			if (p->syms[i].kind != DSYM_OTHER && p->syms[i].sym.st_shndx < p->nsecs)
				for_each_target(p, i, const_reason, &again);
		}
	}
	for (size_t i = 0; i < p->nsyms; i++)
		if (p->syms[i].kind == DSYM_FUNC && p->syms[i].state == DIFF_CHANGED)
			for_each_target(p, i, clone_reason, NULL);
	sync_states(d->orig, p);
}

/* New and removed static locals say whose they are: a renamed one is a
 * new variable, and the old one keeps its value in the process. */
static void describe_static_locals(struct dobj *x)
{
	for (size_t i = 0; i < x->nsyms; i++) {
		struct dobj_symbol *s = &x->syms[i];
		if (s->kind != DSYM_DATA || s->bind != STB_LOCAL || s->owner < 0 || s->detail ||
		    (s->state != DIFF_NEW && s->state != DIFF_REMOVED) || !strstr(s->key, ".#"))
			continue;
		s->detail = xasprintf(s->state == DIFF_NEW
				      ? "static local of %s, starts from its initial value"
				      : "static local of %s", x->syms[s->owner].name);
	}
}

static void count(struct diff *d)
{
	for (size_t i = 0; i < d->orig->nsyms; i++) {
		const struct dobj_symbol *s = &d->orig->syms[i];
		if (s->kind == DSYM_OTHER || s->code_attached)
			continue;
		d->n_changed += s->state == DIFF_CHANGED;
		d->n_removed += s->state == DIFF_REMOVED;
	}
	for (size_t i = 0; i < d->patched->nsyms; i++) {
		const struct dobj_symbol *s = &d->patched->syms[i];
		if (s->kind != DSYM_OTHER && !s->code_attached)
			d->n_new += s->state == DIFF_NEW;
	}
}

static int analyze(struct diff *d, const char *orig_path, const char *patched_path)
{
	d->orig = dobj_open(orig_path);
	if (!d->orig)
		return -1;
	d->patched = dobj_open(patched_path);
	if (!d->patched)
		return -1;
	diff_analyze_objects(d);
	return 0;
}

int diff_analyze(struct diff *d, const char *orig_path, const char *patched_path,
		 const struct srcdiff *source_diff)
{
	memset(d, 0, sizeof *d);
	d->source_diff = source_diff;
	return analyze(d, orig_path, patched_path);
}

int diff_analyze_manual(struct diff *d, const char *orig_path, const char *source_obj)
{
	memset(d, 0, sizeof *d);
	d->manual = true;
	return analyze(d, orig_path, source_obj);
}

void diff_analyze_objects(struct diff *d)
{
	diff_correlate(d->orig, d->patched);
	mark_code_attached(d->orig);
	mark_code_attached(d->patched);
	compare_pairs(d);
	diff_inline_reasons(d);
	propagate(d);
	diff_check_refusals(d);
	describe_static_locals(d->orig);
	describe_static_locals(d->patched);
	count(d);
	diff_lines_release();   /* the next diff (archive member) reads its own */
}

void diff_free(struct diff *d)
{
	for (size_t i = 0; i < d->nrefusals; i++) {
		free(d->refusals[i].symbol);
		free(d->refusals[i].reason);
		free(d->refusals[i].way_out);
	}
	for (size_t i = 0; i < d->nnotes; i++) {
		free(d->notes[i].symbol);
		free(d->notes[i].text);
	}
	free(d->refusals);
	free(d->notes);
	if (d->orig)
		for (size_t i = 0; i < d->orig->nsyms; i++)
			free((char *)d->orig->syms[i].detail);
	if (d->patched)   /* details of symbols without a twin are their own */
		for (size_t i = 0; i < d->patched->nsyms; i++)
			if (d->patched->syms[i].twin < 0)
				free((char *)d->patched->syms[i].detail);
	diff_lines_release();
	dobj_close(d->orig);
	dobj_close(d->patched);
}
