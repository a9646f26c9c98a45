/* A global function whose signature changed: the other units of the
 * program, which the diff does not see and which are not changed, still
 * call it the old way.  Told from the DWARF of the two objects (so only
 * with -g): the return type and each parameter's type, as C spells them. */
#include "diff/diff.h"
#include "diff/debuginfo.h"
#include "common/util.h"

#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

static void type_text(Dwarf_Die *die, struct buf *out, int depth);

/* The type DIE's DW_AT_type refers to, or NULL for void. */
static Dwarf_Die *type_of(Dwarf_Die *die, Dwarf_Die *mem)
{
	Dwarf_Attribute attr;
	if (!dwarf_attr_integrate(die, DW_AT_type, &attr))
		return NULL;
	return dwarf_formref_die(&attr, mem);
}

static void inner_text(Dwarf_Die *die, struct buf *out, int depth)
{
	Dwarf_Die mem;
	type_text(type_of(die, &mem), out, depth + 1);
}

static void type_text(Dwarf_Die *die, struct buf *out, int depth)
{
	if (!die) {
		buf_addstr(out, "void");
		return;
	}
	if (depth > 8) {
		buf_addstr(out, "...");
		return;
	}
	const char *name = dwarf_diename(die);
	switch (dwarf_tag(die)) {
	case DW_TAG_pointer_type:
		inner_text(die, out, depth);
		buf_addstr(out, "*");
		return;
	case DW_TAG_const_type:
		buf_addstr(out, "const ");
		inner_text(die, out, depth);
		return;
	case DW_TAG_volatile_type:
		buf_addstr(out, "volatile ");
		inner_text(die, out, depth);
		return;
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type:
		inner_text(die, out, depth);
		return;
	case DW_TAG_array_type:
		inner_text(die, out, depth);
		buf_addstr(out, "[]");
		return;
	case DW_TAG_structure_type:
		buf_addstr(out, "struct ");
		break;
	case DW_TAG_union_type:
		buf_addstr(out, "union ");
		break;
	case DW_TAG_enumeration_type:
		buf_addstr(out, "enum ");
		break;
	case DW_TAG_subroutine_type:
		buf_addstr(out, "function");
		return;
	}
	buf_addstr(out, name ? name : "?");
}

/* "RET (PARAM, PARAM)" of the external function NAME, or NULL. */
static char *signature_of(struct debuginfo *di, const char *name)
{
	Dwarf_Die *cu = NULL;
	Dwarf_Addr bias;
	while ((cu = dwfl_module_nextcu(di->mod, cu, &bias))) {
		Dwarf_Die die;
		if (dwarf_child(cu, &die) != 0)
			continue;
		do {
			const char *die_name = dwarf_diename(&die);
			if (dwarf_tag(&die) != DW_TAG_subprogram || !die_name ||
			    strcmp(die_name, name) != 0 || dwarf_hasattr(&die, DW_AT_declaration))
				continue;
			struct buf text = { 0 };
			inner_text(&die, &text, 0);
			buf_addstr(&text, " (");
			Dwarf_Die param;
			int n = 0;
			if (dwarf_child(&die, &param) == 0)
				do {
					int tag = dwarf_tag(&param);
					if (tag != DW_TAG_formal_parameter && tag != DW_TAG_unspecified_parameters)
						continue;
					buf_addstr(&text, n++ ? ", " : "");
					if (tag == DW_TAG_formal_parameter)
						inner_text(&param, &text, 0);
					else
						buf_addstr(&text, "...");
				} while (dwarf_siblingof(&param, &param) == 0);
			buf_addstr(&text, n ? ")" : "void)");
			return text.data;
		} while (dwarf_siblingof(&die, &die) == 0);
	}
	return NULL;
}

void diff_check_signatures(struct diff *d)
{
	const struct dobj *o = d->orig;
	for (size_t i = 0; i < o->nsyms; i++) {
		const struct dobj_symbol *f = &o->syms[i];
		if (f->kind != DSYM_FUNC || f->state != DIFF_CHANGED || f->bind == STB_LOCAL)
			continue;
		struct debuginfo *da = debuginfo_of(d->orig), *db = debuginfo_of(d->patched);
		if (!da || !db)
			return;
		char *was = signature_of(da, f->name);
		char *now = signature_of(db, d->patched->syms[f->twin].name);
		if (was && now && strcmp(was, now) != 0)
			diff_refuse(d, f->name,
				    "keep the old signature, and give the new one a new function that "
				    "the changed callers call",
				    "the signature of global function %s changed from %s to %s; other "
				    "units of the program, which are not changed, still call it the "
				    "old way", f->name, was, now);
		free(was);
		free(now);
	}
}
