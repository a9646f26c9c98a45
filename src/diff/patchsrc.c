/* Reading what <suture/patch.h> leaves in a patched object (patchsrc.h). */
#include "diff/patchsrc.h"
#include "diff/cut.h"
#include "common/error.h"
#include "common/util.h"

#include "suture/patch.h"

#include <inttypes.h>
#include <string.h>

#define DECL_SIZE 16   /* struct suture_callback_decl */

bool patchsrc_is_decl_section(const struct dobj *o, size_t sec)
{
	return sec < o->nsecs && o->secs[sec].name &&
	       strcmp(o->secs[sec].name, SUTURE_CALLBACK_SECTION) == 0;
}

bool patchsrc_split_static(const char *sym_name, char **name, char **file)
{
	const char *colon = strchr(sym_name, ':');
	if (!colon || colon == sym_name || !colon[1])
		return false;
	*name = xasprintf("%.*s", (int)(colon - sym_name), sym_name);
	*file = xstrdup(colon + 1);
	return true;
}

/* The function a declaration's relocation names: its own symbol, or
 * (gas's way for a static function) the section symbol plus the offset. */
static int decl_function(const struct dobj *p, const struct dobj_rela *r)
{
	const struct dobj_symbol *t = &p->syms[r->sym];
	if (t->kind == DSYM_FUNC && r->addend == 0)
		return (int)r->sym;
	if (t->type != STT_SECTION || t->sym.st_shndx >= p->nsecs)
		return -1;
	const struct dobj_section *sec = &p->secs[t->sym.st_shndx];
	for (size_t i = 0; i < sec->nsyms; i++) {
		const struct dobj_symbol *f = &p->syms[sec->syms[i]];
		if (f->kind == DSYM_FUNC && (int64_t)f->sym.st_value == r->addend)
			return (int)sec->syms[i];
	}
	return -1;
}

static const struct dobj_rela *rela_at(const struct dobj_section *sec, uint64_t offset)
{
	for (size_t i = 0; i < sec->nrelas; i++)
		if (sec->relas[i].offset == offset)
			return &sec->relas[i];
	return NULL;
}

static void cut_one_callback(struct cut *c, const struct dobj_section *sec, uint64_t at)
{
	uint32_t kind, reserved;
	memcpy(&kind, sec->data + at, 4);
	memcpy(&reserved, sec->data + at + 4, 4);
	const struct dobj_rela *r = rela_at(sec, at + 8);
	int fn = -1;
	if (kind < SUTURE_CALLBACK_PRE_PATCH || kind > SUTURE_CALLBACK_POST_UNPATCH || reserved)
		c->failed = err_set("%s: callback declaration %" PRIu64 " has an unknown kind %u: "
				    "declare callbacks with <suture/patch.h>'s SUTURE_PRE_PATCH() etc.",
				    c->p->path, at / DECL_SIZE, kind);
	else if (!r || r->type != R_X86_64_64 || (fn = decl_function(c->p, r)) < 0)
		c->failed = err_set("%s: callback declaration %" PRIu64 " names no function of this "
				    "object: a callback must be defined in the patch's source",
				    c->p->path, at / DECL_SIZE);
	else
		pw_add_callback(c->pw, kind, cut_include_symbol(c, (size_t)fn));
}

void cut_callbacks(struct cut *c)
{
	for (size_t s = 1; s < c->p->nsecs; s++) {
		if (!patchsrc_is_decl_section(c->p, s))
			continue;
		const struct dobj_section *sec = &c->p->secs[s];
		if (!sec->data || sec->sh.sh_size % DECL_SIZE) {
			c->failed = err_set("%s: section %s is not an array of callback declarations",
					    c->p->path, SUTURE_CALLBACK_SECTION);
			return;
		}
		for (uint64_t at = 0; at < sec->sh.sh_size && !c->failed; at += DECL_SIZE)
			cut_one_callback(c, sec, at);
	}
}
