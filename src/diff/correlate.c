/* Pairing each function and data object of the original build with its
 * twin in the patched build.
 *
 * Global symbols pair by name.  Local ones pair by their key (names.h:
 * gcc's numbers replaced by '#'), so f.isra.0 pairs with f.isra.3 and
 * count.3 with count.5, __UNIQUE_ID_x7 with __UNIQUE_ID_x8.  When a key
 * is shared (two static locals `count` in two functions, two constprop
 * clones of one function, __func__.0 and __func__.1), data pairs by the
 * function that refers to it first (its owner), then by content, and what
 * is left pairs in the order of gcc's numbers. */
#include "diff/diff.h"
#include "diff/compare.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

struct entry {
	int index;
	int kind;
	bool global;
	const char *file;    /* the unit of a local, in objects of several units */
	const char *key;
	const char *owner;   /* key of the owner function, "" when none */
	const char *name;
};

/* Same group: same binding, kind and key (name for globals). */
static int cmp_group(const struct entry *x, const struct entry *y)
{
	if (x->global != y->global)
		return x->global ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind - y->kind;
	int c = strcmp(x->file, y->file);
	if (c)
		return c;
	return strcmp(x->global ? x->name : x->key, y->global ? y->name : y->key);
}

/* Sort order: by group, then by owner, then in the order of gcc's numbers. */
static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = cmp_group(x, y);
	if (c)
		return c;
	c = strcmp(x->owner, y->owner);
	if (c)
		return c;
	return strverscmp(x->name, y->name);
}

/* The first function whose code refers to each data object. */
static void find_owners(struct dobj *o)
{
	for (size_t i = 0; i < o->nsyms; i++) {
		struct dobj_symbol *f = &o->syms[i];
		if (f->kind != DSYM_FUNC)
			continue;
		size_t sec = f->sym.st_shndx, n;
		size_t first = dobj_relas_in(o, sec, f->sym.st_value, f->sym.st_value + f->sym.st_size, &n);
		for (size_t r = first; r < first + n; r++) {
			struct ref ref;
			ref_resolve(o, sec, &o->secs[sec].relas[r], &ref);
			if (ref.kind == REF_SYMBOL && o->syms[ref.sym].kind == DSYM_DATA &&
			    o->syms[ref.sym].owner < 0)
				o->syms[ref.sym].owner = (int)i;
		}
	}
}

/* Objects of several units (ld -r) have statics of one name in two
 * units: there a local pairs only within its unit (STT_FILE).  In an
 * object of one unit the file name is left out, so that foo.c and
 * foo-fixed.c still pair. */
static struct entry *entries_of(const struct dobj *o, size_t *count, bool by_file)
{
	struct entry *e = xcalloc(o->nsyms + 1, sizeof *e);
	size_t n = 0;
	for (size_t i = 0; i < o->nsyms; i++) {
		const struct dobj_symbol *s = &o->syms[i];
		if (s->kind == DSYM_OTHER)
			continue;
		e[n].index = (int)i;
		e[n].kind = s->kind;
		e[n].global = s->bind != STB_LOCAL;
		e[n].key = s->key;
		e[n].name = s->name;
		e[n].owner = s->owner >= 0 ? o->syms[s->owner].key : "";
		e[n].file = by_file && !e[n].global && s->file ? s->file : "";
		n++;
	}
	qsort(e, n, sizeof *e, cmp_entry);
	*count = n;
	return e;
}

static void pair(struct dobj *o, int a, struct dobj *p, int b)
{
	o->syms[a].twin = b;
	p->syms[b].twin = a;
}

/* The same thing, whatever its number: same size, same bytes (the fields
 * relocations fill in are zero in both), relocations of the same types at
 * the same offsets.  What they refer to is compared later (compare.c). */
static bool same_content(const struct dobj *o, int a, const struct dobj *p, int b)
{
	const struct dobj_symbol *sa = &o->syms[a], *sb = &p->syms[b];
	if (sa->sym.st_size != sb->sym.st_size || sa->sym.st_shndx == SHN_COMMON ||
	    sb->sym.st_shndx == SHN_COMMON)
		return false;
	const uint8_t *ba = dobj_symbol_bytes(o, sa), *bb = dobj_symbol_bytes(p, sb);
	if (!ba != !bb || (ba && memcmp(ba, bb, sa->sym.st_size) != 0))
		return false;
	size_t na, nb;
	size_t fa = dobj_relas_in(o, sa->sym.st_shndx, sa->sym.st_value,
				  sa->sym.st_value + sa->sym.st_size, &na);
	size_t fb = dobj_relas_in(p, sb->sym.st_shndx, sb->sym.st_value,
				  sb->sym.st_value + sb->sym.st_size, &nb);
	if (na != nb)
		return false;
	for (size_t r = 0; r < na; r++) {
		const struct dobj_rela *ra = &o->secs[sa->sym.st_shndx].relas[fa + r];
		const struct dobj_rela *rb = &p->secs[sb->sym.st_shndx].relas[fb + r];
		if (ra->type != rb->type || ra->offset - sa->sym.st_value != rb->offset - sb->sym.st_value)
			return false;
	}
	return true;
}

/* How a pass of pair_group() matches two members of one group. */
enum match { BY_OWNER, BY_NAME_AND_CONTENT, BY_CONTENT, BY_NAME, BY_ORDER };

static bool matches(enum match how, struct dobj *o, const struct entry *x,
		    struct dobj *p, const struct entry *y)
{
	switch (how) {
	case BY_OWNER:
		return *x->owner && strcmp(x->owner, y->owner) == 0;
	case BY_NAME_AND_CONTENT:
		return strcmp(x->name, y->name) == 0 && same_content(o, x->index, p, y->index);
	case BY_CONTENT:
		return same_content(o, x->index, p, y->index);
	case BY_NAME:
		return strcmp(x->name, y->name) == 0;
	case BY_ORDER:
		return true;
	}
	return false;
}

/* Within one group (one key): by the function that refers to it first,
 * then by what it is (a counter that moved does not shift the pairing: a
 * string the fix inserts leaves the others with their twins), then by
 * name, and what is left in the order of gcc's numbers. */
static void pair_group(struct dobj *o, struct entry *ea, size_t na,
		       struct dobj *p, struct entry *eb, size_t nb)
{
	if (na == 1 && nb == 1) {
		pair(o, ea[0].index, p, eb[0].index);
		return;
	}
	bool *used = xcalloc(nb + 1, 1);
	bool *done = xcalloc(na + 1, 1);
	for (enum match how = BY_OWNER; how <= BY_ORDER; how++)
		for (size_t i = 0; i < na; i++)
			for (size_t j = 0; !done[i] && j < nb; j++)
				if (!used[j] && matches(how, o, &ea[i], p, &eb[j])) {
					pair(o, ea[i].index, p, eb[j].index);
					used[j] = done[i] = true;
				}
	free(used);
	free(done);
}

static int cmp_name(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = x->kind - y->kind;
	return c ? c : strcmp(x->name, y->name);
}

static struct entry *unpaired_of(const struct dobj *o, size_t *count)
{
	struct entry *e = xcalloc(o->nsyms + 1, sizeof *e);
	size_t n = 0;
	for (size_t i = 0; i < o->nsyms; i++)
		if (o->syms[i].kind != DSYM_OTHER && o->syms[i].twin < 0)
			e[n++] = (struct entry){ .index = (int)i, .kind = o->syms[i].kind,
						 .name = o->syms[i].name };
	qsort(e, n, sizeof *e, cmp_name);
	*count = n;
	return e;
}

/* What is left pairs by plain name: a static function made global (or the
 * other way round) is the same function. */
static void pair_by_name(struct dobj *o, struct dobj *p)
{
	size_t na, nb;
	struct entry *ea = unpaired_of(o, &na), *eb = unpaired_of(p, &nb);
	for (size_t i = 0, j = 0; i < na && j < nb;) {
		int c = cmp_name(&ea[i], &eb[j]);
		if (c == 0)
			pair(o, ea[i++].index, p, eb[j++].index);
		else if (c < 0)
			i++;
		else
			j++;
	}
	free(ea);
	free(eb);
}

void diff_correlate(struct dobj *o, struct dobj *p)
{
	find_owners(o);
	find_owners(p);
	size_t na, nb;
	bool by_file = o->nfiles > 1 || p->nfiles > 1;
	struct entry *ea = entries_of(o, &na, by_file), *eb = entries_of(p, &nb, by_file);
	size_t i = 0, j = 0;
	while (i < na && j < nb) {
		int c = cmp_group(&ea[i], &eb[j]);
		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			size_t gi = i, gj = j;
			while (gi < na && cmp_group(&ea[i], &ea[gi]) == 0)
				gi++;
			while (gj < nb && cmp_group(&eb[j], &eb[gj]) == 0)
				gj++;
			pair_group(o, ea + i, gi - i, p, eb + j, gj - j);
			i = gi;
			j = gj;
		}
	}
	free(ea);
	free(eb);
	pair_by_name(o, p);
}
