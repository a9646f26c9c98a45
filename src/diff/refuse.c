/* What cannot be patched live, each with the way out.
 *
 * A live patch replaces code; the running process keeps its data.  So a
 * changed initial value or size of existing data, a removed function that
 * unchanged code still calls, and a changed constructor (which ran when the
 * process started) cannot be expressed as new code, and are refused. */
#include "diff/diff.h"
#include "diff/compare.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

static bool is_static_local(const struct dobj_symbol *s)
{
	return s->bind == STB_LOCAL && strstr(s->key, ".#") != NULL;
}

static void refuse_data(struct diff *d, const struct dobj_symbol *s, const struct dobj_symbol *twin)
{
	const struct dobj *p = d->patched;
	bool readonly = twin->sym.st_shndx < p->nsecs &&
			section_is_readonly(&p->secs[twin->sym.st_shndx]);
	if (s->reasons & DIFF_R_SIZE) {
		diff_refuse(d, s->name,
			    "keep the old definition and attach new fields with a shadow variable "
			    "(suture_shadow_alloc in <suture/patch.h>)",
			    "the size of %s %s changed from %llu to %llu bytes; the running process "
			    "keeps the old object",
			    is_static_local(s) ? "static local" : "data", s->name,
			    (unsigned long long)s->sym.st_size, (unsigned long long)twin->sym.st_size);
	} else if (readonly) {
		diff_refuse(d, s->name,
			    "give the new constant data a new name, so the new functions use it",
			    "the contents of read-only data %s changed; code that is not patched "
			    "still reads the old ones", s->name);
	} else if (is_static_local(s)) {
		diff_refuse(d, s->name,
			    "keep the initial value and set the new one from a post-patch callback, "
			    "or use a new variable (a shadow variable for per-object state)",
			    "the initial value of the static local %s (in %s) changed; the running "
			    "process keeps its current value",
			    s->name, s->owner >= 0 ? d->orig->syms[s->owner].name : "its function");
	} else {
		diff_refuse(d, s->name,
			    "keep the initial value and set the new one from a post-patch callback",
			    "the initial value of %s changed; the running process keeps its current "
			    "value", s->name);
	}
}

static bool unchanged(const struct dobj_symbol *s)
{
	return s->state == DIFF_SAME || s->state == DIFF_LINE_ONLY;
}

/* Sections whose relocations do not make a call: unwind tables, the
 * patchable-entry list, debug information. */
static bool counts_as_use(const struct dobj_section *s)
{
	return (s->sh.sh_flags & SHF_ALLOC) && strcmp(s->name, "__patchable_function_entries") != 0 &&
	       strcmp(s->name, ".eh_frame") != 0;
}

static void refuse_removed_still_called(struct diff *d)
{
	const struct dobj *o = d->orig;
	bool *refused = xcalloc(o->nsyms + 1, 1);
	/* A global function: the other units of the program are unchanged
	 * code this diff cannot see, and they may call it. */
	for (size_t i = 0; i < o->nsyms; i++) {
		const struct dobj_symbol *f = &o->syms[i];
		if (f->kind != DSYM_FUNC || f->state != DIFF_REMOVED || f->bind == STB_LOCAL)
			continue;
		diff_refuse(d, f->name, "keep the function in the patched source (unused is fine)",
			    "global function %s was removed, but other units of the program, which "
			    "are not changed, may still call it", f->name);
		refused[i] = true;
	}
	for (size_t sec = 1; sec < o->nsecs; sec++) {
		const struct dobj_section *s = &o->secs[sec];
		if (!s->nrelas || !counts_as_use(s))
			continue;
		for (size_t r = 0; r < s->nrelas; r++) {
			struct ref ref;
			ref_resolve(o, sec, &s->relas[r], &ref);
			if (ref.kind != REF_SYMBOL || o->syms[ref.sym].kind != DSYM_FUNC ||
			    o->syms[ref.sym].state != DIFF_REMOVED)
				continue;
			int user = dobj_symbol_at(o, sec, s->relas[r].offset);
			if (refused[ref.sym] || user == ref.sym || (user >= 0 && !unchanged(&o->syms[user])))
				continue;
			const char *name = o->syms[ref.sym].name;
			diff_refuse(d, name, "keep the function in the patched source (unused is fine), "
				    "or change its callers too",
				    "%s was removed, but %s, which is not changed, still refers to it",
				    name, user >= 0 ? o->syms[user].name : s->name);
			refused[ref.sym] = true;
		}
	}
	free(refused);
}

static bool is_constructor_table(const char *name)
{
	return strncmp(name, ".init_array", 11) == 0 || strncmp(name, ".ctors", 6) == 0 ||
	       strncmp(name, ".preinit_array", 14) == 0;
}

static void refuse_constructors(struct diff *d)
{
	struct dobj *p = d->patched;
	for (size_t sec = 1; sec < p->nsecs; sec++) {
		if (!is_constructor_table(p->secs[sec].name))
			continue;
		for (size_t r = 0; r < p->secs[sec].nrelas; r++) {
			struct ref ref;
			ref_resolve(p, sec, &p->secs[sec].relas[r], &ref);
			if (ref.kind != REF_SYMBOL)
				continue;
			struct dobj_symbol *f = &p->syms[ref.sym];
			f->is_ctor = true;
			if (f->state != DIFF_CHANGED && f->state != DIFF_NEW)
				continue;
			diff_refuse(d, f->name,
				    "do the new set-up in a post-patch callback (<suture/patch.h>)",
				    f->state == DIFF_NEW
				    ? "%s is a new constructor; constructors ran when the process "
				      "started, so it would never run"
				    : "constructor %s changed; it already ran when the process started, "
				      "so the new code would never run", f->name);
		}
	}
}

/* Each thread's TLS block is laid out when the thread starts: there is no
 * room in it for a variable that comes with a patch. */
static void refuse_new_thread_locals(struct diff *d)
{
	const struct dobj *p = d->patched;
	for (size_t i = 0; i < p->nsyms; i++) {
		const struct dobj_symbol *s = &p->syms[i];
		if (s->kind == DSYM_DATA && s->state == DIFF_NEW && s->type == STT_TLS)
			diff_refuse(d, s->name,
				    "use a shadow variable attached to the thread's own data "
				    "(suture_shadow_alloc in <suture/patch.h>)",
				    "%s is a new thread-local variable; the threads already running "
				    "have no room for it", s->name);
	}
}

/* An ifunc's resolver ran when the program was loaded: its choice is in
 * the GOT, and a new resolver would never run. */
static void refuse_resolvers(struct diff *d)
{
	const struct dobj *p = d->patched;
	for (size_t i = 0; i < p->nsyms; i++) {
		const struct dobj_symbol *s = &p->syms[i];
		if (s->kind == DSYM_FUNC && s->type == STT_GNU_IFUNC &&
		    (s->state == DIFF_CHANGED || s->state == DIFF_NEW))
			diff_refuse(d, s->name,
				    "patch the implementations it chooses from instead",
				    "the resolver of ifunc %s %s; resolvers ran when the program was "
				    "loaded, so it would never run", s->name,
				    s->state == DIFF_NEW ? "is new" : "changed");
	}
}

void diff_check_refusals(struct diff *d)
{
	refuse_resolvers(d);
	const struct dobj *o = d->orig;
	refuse_new_thread_locals(d);
	for (size_t i = 0; i < o->nsyms; i++) {
		const struct dobj_symbol *s = &o->syms[i];
		if (s->kind == DSYM_DATA && s->state == DIFF_CHANGED && !s->code_attached &&
		    !s->const_local)
			refuse_data(d, s, &d->patched->syms[s->twin]);
	}
	refuse_removed_still_called(d);
	refuse_constructors(d);
	diff_check_signatures(d);
}
