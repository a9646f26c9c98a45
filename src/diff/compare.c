/* Comparing twins with relocations normalised: see compare.h. */
#include "diff/compare.h"
#include "diff/diff.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How deep anonymous sections referring to anonymous sections are followed
 * (jump tables, tables of strings); deeper is taken as different. */
#define MAX_SECTION_DEPTH 3

/* The offset of a NOP at the entry (after endbr64) in a function's
 * BYTES, or -1.  Its form (one 5-byte NOP, five 1-byte NOPs) does not make
 * two functions differ.  The prefix room lies outside the function, and its
 * first instruction is code like any other: nothing to skip. */
static int entry_nop_offset(const uint8_t *bytes, size_t size)
{
	struct padding pad;
	return padding_read(NULL, bytes, size, &pad) == PADDING_NOP5 ? (int)pad.at : -1;
}

/* A string literal's bytes: from START to its NUL (included). */
static void string_at(const struct dobj_section *s, int64_t start, struct ref *out)
{
	if (start < 0 || (uint64_t)start >= s->sh.sh_size || !s->data) {
		out->str = "";
		out->len = 0;
		return;
	}
	const char *p = (const char *)s->data + start;
	const char *nul = memchr(p, 0, s->sh.sh_size - (uint64_t)start);
	out->str = p;
	out->len = nul ? (size_t)(nul - p) + 1 : s->sh.sh_size - (uint64_t)start;
}

/* A reference through a section symbol or a local label (.LC0): find what
 * lies at the address.  In code, a PC-relative field is followed by the rest
 * of its instruction: 4 bytes of displacement, and for a few instructions an
 * immediate, so the target is at addend + 4 + (0..4). */
static void resolve_in_section(const struct dobj *o, size_t sec, int64_t base, bool pc_in_code,
			       struct ref *out)
{
	const struct dobj_section *s = &o->secs[sec];
	out->sec = sec;
	if (s->is_strings) {
		/* Strings are only ever loaded by lea/mov: no immediate. */
		out->kind = REF_STRING;
		string_at(s, base + (pc_in_code ? 4 : 0), out);
		return;
	}
	int64_t lo = base + (pc_in_code ? 4 : 0), hi = base + (pc_in_code ? 8 : 0);
	for (int64_t at = lo; at <= hi; at++) {
		if (at < 0)
			continue;
		int sym = dobj_symbol_at(o, sec, (uint64_t)at);
		if (sym >= 0) {
			out->kind = REF_SYMBOL;
			out->sym = sym;
			out->off = base - (int64_t)o->syms[sym].sym.st_value;
			return;
		}
	}
	if ((s->sh.sh_flags & SHF_MERGE) && s->sh.sh_entsize && s->data && lo >= 0 &&
	    (uint64_t)lo + s->sh.sh_entsize <= s->sh.sh_size) {
		out->kind = REF_CONST;
		out->str = (const char *)s->data + lo;
		out->len = s->sh.sh_entsize;
		return;
	}
	out->kind = REF_SECTION;
	out->off = base;
}

void ref_resolve(const struct dobj *o, size_t from_sec, const struct dobj_rela *r, struct ref *out)
{
	memset(out, 0, sizeof *out);
	const struct dobj_symbol *t = &o->syms[r->sym];
	bool pc_in_code = o->secs[from_sec].is_code && rela_is_pc_relative(r->type);
	if (t->kind != DSYM_OTHER) {
		out->kind = REF_SYMBOL;
		out->sym = (int)r->sym;
		out->off = r->addend;
		return;
	}
	if (t->sym.st_shndx != SHN_UNDEF && t->sym.st_shndx < o->nsecs &&
	    t->sym.st_shndx != SHN_ABS && t->bind == STB_LOCAL) {
		resolve_in_section(o, t->sym.st_shndx, (int64_t)t->sym.st_value + r->addend,
				   pc_in_code, out);
		return;
	}
	out->kind = REF_EXTERNAL;
	out->str = t->name;
	out->off = r->addend;
}

const char *ref_describe(const struct dobj *o, const struct ref *ref)
{
	static char text[160];
	switch (ref->kind) {
	case REF_SYMBOL:
		snprintf(text, sizeof text, "%s%+lld", o->syms[ref->sym].name, (long long)ref->off);
		break;
	case REF_STRING:
		snprintf(text, sizeof text, "the string \"%.*s\"",
			 (int)(ref->len > 40 ? 40 : ref->len ? ref->len - 1 : 0), ref->str);
		break;
	case REF_CONST:
		snprintf(text, sizeof text, "a constant in %s", o->secs[ref->sec].name);
		break;
	case REF_SECTION:
		snprintf(text, sizeof text, "%s%+lld (its contents)", o->secs[ref->sec].name,
			 (long long)ref->off);
		break;
	case REF_EXTERNAL:
		snprintf(text, sizeof text, "%s%+lld", ref->str, (long long)ref->off);
		break;
	}
	return text;
}

static bool sections_equal(const struct dobj *o, size_t a, const struct dobj *p, size_t b, int depth);

/* A call through the PLT and a direct PC-relative one are the same
 * instruction; gas picks one by the callee's binding (static or not). */
static uint32_t same_type(uint32_t type)
{
	return type == R_X86_64_PLT32 ? R_X86_64_PC32 : type;
}

static bool refs_equal(const struct dobj *o, const struct ref *x,
		       const struct dobj *p, const struct ref *y, int depth)
{
	if (x->kind != y->kind)
		return false;
	switch (x->kind) {
	case REF_SYMBOL:
		return o->syms[x->sym].twin == y->sym && x->off == y->off;
	case REF_STRING:
	case REF_CONST:
		return x->len == y->len && memcmp(x->str, y->str, x->len) == 0;
	case REF_SECTION:
		if (x->off != y->off)
			return false;
		if (o->secs[x->sec].nsyms) {
			/* A section of named things (a function's, reached at an
			 * offset past its end by a jump table entry): those things
			 * are compared on their own; here only their pairing. */
			int twin = o->syms[o->secs[x->sec].syms[0]].twin;
			return twin >= 0 && p->syms[twin].sym.st_shndx == y->sec;
		}
		return sections_equal(o, x->sec, p, y->sec, depth + 1);
	case REF_EXTERNAL:
		return x->off == y->off && strcmp(x->str, y->str) == 0;
	}
	return false;
}

/* The bytes of two ranges outside the fields relocations fill in (and
 * outside the entry padding of code) are equal; *at gets the first
 * offset where they differ. */
static bool bytes_equal(const struct dobj_section *sa, const uint8_t *da, size_t ia, size_t na,
			uint64_t astart, const uint8_t *db, uint64_t size, uint64_t *at)
{
	uint64_t pos = 0;
	int pad_a = sa->is_code ? entry_nop_offset(da, size) : -1;
	int pad_b = sa->is_code ? entry_nop_offset(db, size) : -1;
	if (pad_a >= 0 && pad_a == pad_b) {
		if (memcmp(da, db, (size_t)pad_a) != 0) {
			*at = 0;
			return false;
		}
		pos = (uint64_t)pad_a + PADDING_NOP_SIZE;
	}
	for (size_t r = 0; pos < size; r++) {
		uint64_t next = r < na ? sa->relas[ia + r].offset - astart : size;
		if (next > size)
			next = size;
		if (next > pos && memcmp(da + pos, db + pos, next - pos) != 0) {
			*at = pos;
			while (da[*at] == db[*at])
				(*at)++;
			return false;
		}
		if (r >= na)
			break;
		if (next + rela_width(sa->relas[ia + r].type) > pos)
			pos = next + rela_width(sa->relas[ia + r].type);
	}
	return true;
}

static void set_detail(char **detail, char *text)
{
	if (detail && !*detail)
		*detail = text;
	else
		free(text);
}

/* Byte ranges [start, start+size) of section A in O and B in P are the same
 * code or data, relocations normalised.  Returns 0, or the reason bits:
 * every difference is looked at (a __LINE__ move is only one when the
 * relocations agree too). */
static unsigned ranges_differ(const struct dobj *o, size_t a, uint64_t astart,
			      const struct dobj *p, size_t b, uint64_t bstart, uint64_t size,
			      int depth, char **detail)
{
	const struct dobj_section *sa = &o->secs[a], *sb = &p->secs[b];
	unsigned code = sa->is_code ? DIFF_R_CODE : DIFF_R_VALUE;
	unsigned refs = sa->is_code ? DIFF_R_REFERENCE : DIFF_R_VALUE;
	size_t na, nb;
	size_t ia = dobj_relas_in(o, a, astart, astart + size, &na);
	size_t ib = dobj_relas_in(p, b, bstart, bstart + size, &nb);
	const uint8_t *da = sa->data ? sa->data + astart : NULL;
	const uint8_t *db = sb->data ? sb->data + bstart : NULL;
	if (!da != !db)
		return DIFF_R_VALUE;
	unsigned why = 0;
	uint64_t at;
	if (da && !bytes_equal(sa, da, ia, na, astart, db, size, &at)) {
		why |= code;
		set_detail(detail, xasprintf("bytes differ at offset %#llx", (unsigned long long)at));
	}
	if (na != nb) {
		set_detail(detail, xasprintf("%zu relocations instead of %zu", nb, na));
		return why | code;
	}
	for (size_t r = 0; r < na; r++) {
		const struct dobj_rela *ra = &sa->relas[ia + r], *rb = &sb->relas[ib + r];
		if (ra->offset - astart != rb->offset - bstart || same_type(ra->type) != same_type(rb->type)) {
			set_detail(detail, xasprintf("relocations differ at offset %#llx",
						     (unsigned long long)(ra->offset - astart)));
			return why | code;
		}
		struct ref x, y;
		ref_resolve(o, a, ra, &x);
		ref_resolve(p, b, rb, &y);
		if (!refs_equal(o, &x, p, &y, depth)) {
			why |= refs;
			if (detail && !*detail) {
				char *was = xstrdup(ref_describe(o, &x));
				*detail = xasprintf("refers to %s instead of %s", ref_describe(p, &y), was);
				free(was);
			}
			if (!detail)
				return why;
		}
	}
	return why;
}

static bool sections_equal(const struct dobj *o, size_t a, const struct dobj *p, size_t b, int depth)
{
	if (depth > MAX_SECTION_DEPTH)
		return false;
	if (o->secs[a].sh.sh_size != p->secs[b].sh.sh_size ||
	    o->secs[a].sh.sh_type != p->secs[b].sh.sh_type)
		return false;
	return ranges_differ(o, a, 0, p, b, 0, o->secs[a].sh.sh_size, depth, NULL) == 0;
}

unsigned compare_symbols(const struct dobj *o, int a, const struct dobj *p, int b, char **detail)
{
	const struct dobj_symbol *sa = &o->syms[a], *sb = &p->syms[b];
	bool code = sa->kind == DSYM_FUNC;
	*detail = NULL;
	if (sa->sym.st_size != sb->sym.st_size) {
		*detail = xasprintf("size %llu instead of %llu", (unsigned long long)sb->sym.st_size,
				    (unsigned long long)sa->sym.st_size);
		return code ? DIFF_R_CODE : DIFF_R_SIZE;
	}
	bool common_a = sa->sym.st_shndx == SHN_COMMON, common_b = sb->sym.st_shndx == SHN_COMMON;
	if (common_a || common_b)
		return common_a == common_b ? 0 : DIFF_R_VALUE;
	return ranges_differ(o, sa->sym.st_shndx, sa->sym.st_value, p, sb->sym.st_shndx,
			     sb->sym.st_value, sa->sym.st_size, 0, detail);
}
