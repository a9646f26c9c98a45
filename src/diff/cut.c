/* Cutting this unit's part of a patch out of the patched object.
 *
 * What goes in: every changed and new function (a split-off part such as
 * f.cold with its parent), new data, the label tables of computed gotos
 * of those functions, and the anonymous sections their code refers to
 * (string literals, constants, jump tables), copied whole.  Everything
 * else the new code refers to stays a symbol, undefined in the patch and
 * described by a .suture.symbols record: unchanged functions and existing
 * data of the target (static ones with their STT_FILE, static locals under
 * the target's own numbering), and external symbols, resolved in the global
 * scope.  Each replaced function gets a .suture.funcs record with its old
 * bytes and a mask of what the linker may have written there. */
#include "diff/cut.h"
#include "diff/compare.h"
#include "diff/patchsrc.h"
#include "patchfile/patchwrite.h"
#include "patchfile/format.h"
#include "common/error.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

static bool goes_in(const struct dobj_symbol *s)
{
	if (s->kind == DSYM_FUNC)
		return s->state == DIFF_CHANGED || s->state == DIFF_NEW;
	if (s->kind == DSYM_DATA)
		return s->state == DIFF_NEW || s->code_attached ||
		       (s->const_local && s->state == DIFF_CHANGED);
	return false;
}

/* A copied section is in no group and linked to no other section. */
static uint64_t copied_flags(uint64_t flags)
{
	return flags & ~(uint64_t)(SHF_GROUP | SHF_LINK_ORDER | SHF_INFO_LINK);
}

/* The bytes of S's section its copy holds, from *start on: its own, and
 * the prefix room before a function that has one, so that the copy can be
 * redirected in turn (patches stack; docs/entry-padding.md). */
static void copied_range(const struct dobj *p, const struct dobj_symbol *s, uint64_t *start,
			 uint64_t *size)
{
	struct padding pad;
	*start = s->sym.st_value;
	*size = s->sym.st_size;
	if (s->kind == DSYM_FUNC && dobj_symbol_padding(p, s, &pad) == PADDING_ROOM) {
		*start -= PADDING_ROOM_SIZE;
		*size += PADDING_ROOM_SIZE;
	}
}

/* Does symbol S have its section to itself (-ffunction-sections), aliases
 * of it (same address and size) aside? */
static bool owns_section(const struct dobj *p, const struct dobj_symbol *s)
{
	const struct dobj_section *sec = &p->secs[s->sym.st_shndx];
	uint64_t start, size;
	copied_range(p, s, &start, &size);
	if (start != 0 || size != sec->sh.sh_size)
		return false;
	for (size_t i = 0; i < sec->nsyms; i++) {
		const GElf_Sym *other = &p->syms[sec->syms[i]].sym;
		if (other->st_value != s->sym.st_value || other->st_size != s->sym.st_size)
			return false;
	}
	return true;
}

/* The section name a copied symbol gets: its own section's name when it
 * had one to itself, else section name + '.' + name. */
static char *copy_name(const struct dobj *p, const struct dobj_symbol *s)
{
	if (owns_section(p, s))
		return xstrdup(p->secs[s->sym.st_shndx].name);
	return xasprintf("%s.%s", p->secs[s->sym.st_shndx].name, s->name);
}

/* An alias of symbol INDEX (same section, address and size) already
 * copied, or -1: aliases share one copy. */
static int copied_alias(const struct cut *c, size_t index)
{
	const struct dobj_symbol *s = &c->p->syms[index];
	const struct dobj_section *sec = &c->p->secs[s->sym.st_shndx];
	for (size_t i = 0; i < sec->nsyms; i++) {
		const struct dobj_symbol *other = &c->p->syms[sec->syms[i]];
		if (sec->syms[i] != index && c->sym_map[sec->syms[i]] >= 0 &&
		    other->sym.st_value == s->sym.st_value && other->sym.st_size == s->sym.st_size)
			return c->sym_map[sec->syms[i]];
	}
	return -1;
}

static int copy_symbol(struct cut *c, size_t index)
{
	const struct dobj_symbol *s = &c->p->syms[index];
	if (s->sym.st_shndx == SHN_COMMON) {
		/* SHN_COMMON: st_value is the alignment */
		char *name = xasprintf(".bss.%s", s->name);
		int sec = pw_add_section(c->pw, name, SHT_NOBITS, SHF_ALLOC | SHF_WRITE,
					 s->sym.st_value ? s->sym.st_value : 8, 0, NULL, s->sym.st_size);
		free(name);
		return c->sym_map[index] = pw_add_symbol(c->pw, s->name, s->type, s->bind, sec, 0,
							 s->sym.st_size);
	}
	uint64_t start, size;
	copied_range(c->p, s, &start, &size);
	int alias = copied_alias(c, index);
	if (alias >= 0)
		return c->sym_map[index] = pw_add_symbol(c->pw, s->name, s->type, s->bind,
							 pw_symbol_section(c->pw, alias),
							 s->sym.st_value - start, s->sym.st_size);
	const struct dobj_section *src = &c->p->secs[s->sym.st_shndx];
	char *name = copy_name(c->p, s);
	int sec = pw_add_section(c->pw, name, src->sh.sh_type, copied_flags(src->sh.sh_flags),
				 src->sh.sh_addralign, src->sh.sh_entsize,
				 src->data ? src->data + start : NULL, size);
	if (strcmp(name, src->name) == 0)   /* the whole section: labels in it map 1:1 */
		c->sec_map[s->sym.st_shndx] = sec;
	free(name);
	c->sym_map[index] = pw_add_symbol(c->pw, s->name, s->type, s->bind, sec,
					  s->sym.st_value - start, s->sym.st_size);
	c->queue = xrealloc(c->queue, (c->nqueue + 1) * sizeof *c->queue);
	c->queue[c->nqueue++] = (int)index;
	return c->sym_map[index];
}

/* An undefined symbol for something the target already has, made once
 * per (name, file). */
static int undefined(struct cut *c, const char *name, const char *file, uint32_t object, int type)
{
	char *sym_name = file ? xasprintf("%s:%s", name, file) : xstrdup(name);
	/* A linear search: a patch refers to few symbols. */
	for (size_t i = 0; i < c->nundefs; i++)
		if (strcmp(c->undefs[i].name, sym_name) == 0) {
			free(sym_name);
			return c->undefs[i].id;
		}
	int id = pw_add_symbol(c->pw, sym_name, type == STT_TLS ? STT_TLS : STT_NOTYPE,
			       STB_GLOBAL, PW_UNDEF, 0, 0);
	pw_add_symbol_record(c->pw, id, object, name, file);
	c->undefs = xrealloc(c->undefs, (c->nundefs + 1) * sizeof *c->undefs);
	c->undefs[c->nundefs++] = (struct undefined_symbol){ sym_name, id };
	return id;
}

/* The patch symbol standing for symbol INDEX of the patched object. */
static int map_symbol(struct cut *c, size_t index)
{
	if (c->sym_map[index] >= 0)
		return c->sym_map[index];
	const struct dobj_symbol *s = &c->p->syms[index];
	if (goes_in(s))
		return copy_symbol(c, index);
	if (s->kind != DSYM_OTHER && s->twin >= 0) {
		const struct dobj_symbol *old = &c->o->syms[s->twin];
		bool local = old->bind == STB_LOCAL;
		return c->sym_map[index] = undefined(c, old->name, local ? old->file : NULL,
						     c->object, old->type);
	}
	char *name, *file;
	if (s->sym.st_shndx == SHN_UNDEF && patchsrc_split_static(s->name, &name, &file)) {
		/* SUTURE_STATIC("file.c", name): a local symbol of the target */
		c->sym_map[index] = undefined(c, name, file, c->object, s->type);
		free(name);
		free(file);
		return c->sym_map[index];
	}
	return c->sym_map[index] = undefined(c, s->name, NULL, SUTURE_OBJECT_GLOBAL, s->type);
}

int cut_include_symbol(struct cut *c, size_t index)
{
	return map_symbol(c, index);
}

/* A whole anonymous section (strings, constants, a jump table). */
static int copy_section(struct cut *c, size_t sec_index)
{
	if (c->sec_map[sec_index] >= 0)
		return c->sec_map[sec_index];
	const struct dobj_section *s = &c->p->secs[sec_index];
	int sec = pw_add_section(c->pw, s->name, s->sh.sh_type, copied_flags(s->sh.sh_flags),
				 s->sh.sh_addralign, s->sh.sh_entsize, s->data, s->sh.sh_size);
	c->sec_map[sec_index] = sec;
	c->queue = xrealloc(c->queue, (c->nqueue + 1) * sizeof *c->queue);
	c->queue[c->nqueue++] = -(int)sec_index - 1;   /* negative: a section */
	return sec;
}

/* Target symbol and addend in the patch for relocation R of section SEC. */
int cut_map_target(struct cut *c, size_t sec, const struct dobj_rela *r, int64_t *addend)
{
	const struct dobj_symbol *t = &c->p->syms[r->sym];
	*addend = r->addend;
	if (t->kind != DSYM_OTHER || t->sym.st_shndx == SHN_UNDEF || t->sym.st_shndx >= c->p->nsecs)
		return map_symbol(c, r->sym);
	/* A section symbol or a local label: what lies there. */
	size_t tsec = t->sym.st_shndx;
	int64_t base = (int64_t)t->sym.st_value + r->addend;
	const struct dobj_section *ts = &c->p->secs[tsec];
	if (c->sec_map[tsec] >= 0) {
		/* a section copied whole (a function's own): same offsets */
		*addend = base;
		return pw_section_symbol(c->pw, c->sec_map[tsec]);
	}
	if (ts->is_strings || ts->nsyms == 0) {
		*addend = base;
		return pw_section_symbol(c->pw, copy_section(c, tsec));
	}
	struct ref ref;
	ref_resolve(c->p, sec, r, &ref);
	if (ref.kind != REF_SYMBOL) {
		c->failed = err_set("%s: code refers to an unnamed part of %s (a jump table into "
				    "a shared text section?); build with -ffunction-sections "
				    "(suture-cc does) to cut a patch", c->p->path, ts->name);
		return pw_section_symbol(c->pw, copy_section(c, tsec));
	}
	*addend = ref.off;
	return map_symbol(c, (size_t)ref.sym);
}

static void copy_relocations(struct cut *c, int item)
{
	size_t sec, first, n;
	uint64_t start;
	int into;
	if (item >= 0) {
		const struct dobj_symbol *s = &c->p->syms[item];
		uint64_t size;
		sec = s->sym.st_shndx;
		copied_range(c->p, s, &start, &size);
		first = dobj_relas_in(c->p, sec, start, start + size, &n);
		into = -1;
	} else {
		sec = (size_t)(-item - 1);
		start = 0;
		first = 0;
		n = c->p->secs[sec].nrelas;
		into = c->sec_map[sec];
	}
	for (size_t i = first; i < first + n; i++) {
		const struct dobj_rela *r = &c->p->secs[sec].relas[i];
		int64_t addend;
		int target = cut_map_target(c, sec, r, &addend);
		int section = into;
		if (item >= 0) {
			/* The copied symbol's section is the one its symbol names. */
			section = pw_symbol_section(c->pw, c->sym_map[item]);
		}
		pw_add_rela(c->pw, section, r->offset - start, r->type, target, addend);
	}
}

/* Bytes around a relocation the linker may rewrite when it relaxes the
 * instruction (GOTPCRELX mov -> lea, TLS models): [before, after) around
 * the relocated field. */
static void linker_window(const struct dobj_rela *r, uint64_t *before, uint64_t *after)
{
	*before = 0;
	*after = rela_width(r->type);
	switch (r->type) {
	case R_X86_64_GOTPCRELX: *before = 2; break;
	case R_X86_64_REX_GOTPCRELX: case R_X86_64_GOTTPOFF:
	case R_X86_64_GOTPC32_TLSDESC: *before = 3; break;
	case R_X86_64_TLSGD: *before = 4; *after = 12; break;
	case R_X86_64_TLSLD: *before = 3; *after = 9; break;
	case R_X86_64_TLSDESC_CALL: *after = 2; break;
	}
}

static uint8_t *old_mask(const struct dobj *o, const struct dobj_symbol *f, const uint8_t *bytes)
{
	uint64_t size = f->sym.st_size;
	uint8_t *mask = xmalloc(size);
	memset(mask, 0xff, size);
	struct padding pad;
	if (dobj_symbol_padding(o, f, &pad) != PADDING_NONE)
		/* the runtime's own bytes: a jump once patched (the NOP, or the
		 * first instruction in front of the prefix room) */
		memset(mask + pad.at, 0, pad.len);
	size_t n, first = dobj_relas_in(o, f->sym.st_shndx, f->sym.st_value, f->sym.st_value + size, &n);
	for (size_t i = first; i < first + n; i++) {
		const struct dobj_rela *r = &o->secs[f->sym.st_shndx].relas[i];
		uint64_t before, after, at = r->offset - f->sym.st_value;
		linker_window(r, &before, &after);
		uint64_t lo = at > before ? at - before : 0, hi = at + after < size ? at + after : size;
		memset(mask + lo, 0, hi - lo);
	}
	return mask;
}

/* Is OLD an alias of a function recorded before it (one address, one
 * record: the runtime redirects an address once)? */
static bool alias_recorded(const struct cut *c, const struct dobj_symbol *old)
{
	for (size_t i = 0; i < c->p->nsyms; i++) {
		const struct dobj_symbol *s = &c->p->syms[i];
		if (s->kind != DSYM_FUNC || s->state != DIFF_CHANGED || s->twin < 0)
			continue;
		const struct dobj_symbol *earlier = &c->o->syms[s->twin];
		if (earlier == old)
			return false;
		if (earlier->sym.st_shndx == old->sym.st_shndx &&
		    earlier->sym.st_value == old->sym.st_value)
			return true;
	}
	return false;
}

/* The record's flags: a part, and the padding forms of the old and the new
 * function (docs/entry-padding.md). */
static uint32_t func_flags(const struct cut *c, const struct dobj_symbol *old,
			   const struct dobj_symbol *new)
{
	struct padding pad;
	uint32_t flags = old->is_part ? SUTURE_FUNC_PART : 0;
	if (!old->is_part && dobj_symbol_padding(c->o, old, &pad) == PADDING_ROOM)
		flags |= SUTURE_FUNC_OLD_ROOM;
	if (!old->is_part && dobj_symbol_padding(c->p, new, &pad) == PADDING_ROOM)
		flags |= SUTURE_FUNC_NEW_ROOM;
	return flags;
}

static void add_func_records(struct cut *c)
{
	for (size_t i = 0; i < c->p->nsyms; i++) {
		const struct dobj_symbol *s = &c->p->syms[i];
		if (s->kind != DSYM_FUNC || s->state != DIFF_CHANGED || s->twin < 0)
			continue;
		const struct dobj_symbol *old = &c->o->syms[s->twin];
		if (alias_recorded(c, old))
			continue;
		const uint8_t *bytes = dobj_symbol_bytes(c->o, old);
		if (!bytes || old->sym.st_size == 0) {
			c->failed = err_set("%s: function %s has no bytes to check the target against",
					    c->o->path, old->name);
			continue;
		}
		uint8_t *mask = old_mask(c->o, old, bytes);
		pw_add_func(c->pw, c->object, old->name, old->bind == STB_LOCAL ? old->file : NULL,
			    map_symbol(c, i), old->sym.st_size, bytes, mask, func_flags(c, old, s));
		free(mask);
	}
}

int diff_write_patch(struct diff *d, const char *path, const char *name)
{
	struct cut c = { .d = d, .o = d->orig, .p = d->patched };
	c.pw = patch_writer_new(name);
	c.object = pw_add_object(c.pw, "", NULL, 0);
	c.sec_map = xmalloc(c.p->nsecs * sizeof *c.sec_map);
	c.sym_map = xmalloc(c.p->nsyms * sizeof *c.sym_map);
	memset(c.sec_map, 0xff, c.p->nsecs * sizeof *c.sec_map);
	memset(c.sym_map, 0xff, c.p->nsyms * sizeof *c.sym_map);
	for (size_t i = 0; i < c.p->nsyms; i++) {
		const struct dobj_symbol *s = &c.p->syms[i];
		if (goes_in(s) && !s->code_attached)
			map_symbol(&c, i);
	}
	cut_callbacks(&c);
	for (size_t q = 0; q < c.nqueue; q++)
		copy_relocations(&c, c.queue[q]);
	size_t done = c.nqueue;
	cut_unwind_info(&c);
	for (size_t q = done; q < c.nqueue; q++)   /* what unwind info refers to */
		copy_relocations(&c, c.queue[q]);
	add_func_records(&c);
	int ret = c.failed ? -1 : patch_write(c.pw, path);
	for (size_t i = 0; i < c.nundefs; i++)
		free(c.undefs[i].name);
	free(c.undefs);
	free(c.queue);
	free(c.sec_map);
	free(c.sym_map);
	patch_writer_free(c.pw);
	return ret;
}
