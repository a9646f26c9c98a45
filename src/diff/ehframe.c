/* The unwind information of the functions in a patch.
 *
 * The runtime unwinds every thread's stack to know which functions it is
 * in; once a patch is applied, threads run its code, so the patch carries
 * the .eh_frame records of its functions: the FDE of each copied function
 * and the CIEs they use, copied from the patched object with their
 * relocations.  Records are walked by their length fields only (the layout
 * every .eh_frame shares); their contents are copied, not interpreted.
 * An .eh_frame this walk does not understand (64-bit lengths, a record
 * running past the end) is left out, and the patch has no unwind
 * information, as before. */
#include "diff/cut.h"
#include "diff/compare.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

static uint32_t read32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static size_t find_eh_frame(const struct dobj *p)
{
	for (size_t i = 1; i < p->nsecs; i++)
		if (strcmp(p->secs[i].name, ".eh_frame") == 0 && p->secs[i].data)
			return i;
	return 0;
}

/* Is the FDE at OFF about a function that goes in the patch?  Its
 * pc_begin field (8 bytes in) is relocated against the function. */
static bool fde_is_copied(struct cut *c, size_t sec, uint64_t off)
{
	size_t n, first = dobj_relas_in(c->p, sec, off + 8, off + 12, &n);
	if (n != 1)
		return false;
	struct ref ref;
	ref_resolve(c->p, sec, &c->p->secs[sec].relas[first], &ref);
	return ref.kind == REF_SYMBOL && c->p->syms[ref.sym].kind == DSYM_FUNC &&
	       c->sym_map[ref.sym] >= 0 && c->p->syms[ref.sym].sym.st_shndx != SHN_UNDEF &&
	       pw_symbol_section(c->pw, c->sym_map[ref.sym]) != PW_UNDEF;
}

struct record_copy {
	uint64_t from, to, size;   /* offsets in the old and new sections */
};

void cut_unwind_info(struct cut *c)
{
	size_t sec = find_eh_frame(c->p);
	if (!sec)
		return;
	const struct dobj_section *s = &c->p->secs[sec];
	const uint8_t *data = s->data;
	uint64_t size = s->sh.sh_size;
	struct buf out = { 0 };
	struct record_copy *copies = NULL;
	size_t ncopies = 0;
	uint64_t *cie_new = xcalloc(size / 4 + 1, sizeof *cie_new);   /* old CIE offset/4 -> new + 1 */
	for (uint64_t off = 0; off + 8 <= size;) {
		uint32_t len = read32(data + off);
		if (len == 0)
			break;
		if (len == 0xffffffffu || len > size - off - 4)
			goto give_up;
		uint64_t end = off + 4 + len;
		uint32_t id = read32(data + off + 4);
		if (id != 0 && fde_is_copied(c, sec, off)) {
			uint64_t cie = off + 4 - id;
			if (id > off + 4 || cie % 4 || cie + 8 > size)
				goto give_up;
			if (!cie_new[cie / 4]) {
				uint32_t cie_len = read32(data + cie);
				if (cie_len == 0xffffffffu || cie_len > size - cie - 4)
					goto give_up;
				cie_new[cie / 4] = out.len + 1;
				copies = xrealloc(copies, (ncopies + 1) * sizeof *copies);
				copies[ncopies++] = (struct record_copy){ cie, out.len, 4 + cie_len };
				buf_add(&out, data + cie, 4 + cie_len);
			}
			uint64_t at = out.len;
			copies = xrealloc(copies, (ncopies + 1) * sizeof *copies);
			copies[ncopies++] = (struct record_copy){ off, at, end - off };
			buf_add(&out, data + off, end - off);
			uint32_t pointer = (uint32_t)(at + 4 - (cie_new[cie / 4] - 1));
			memcpy(out.data + at + 4, &pointer, 4);
		}
		off = end;
	}
	if (ncopies) {
		int into = pw_add_section(c->pw, ".eh_frame", s->sh.sh_type, SHF_ALLOC, s->sh.sh_addralign,
					  0, out.data, out.len);
		for (size_t i = 0; i < ncopies; i++) {
			size_t n, first = dobj_relas_in(c->p, sec, copies[i].from,
							copies[i].from + copies[i].size, &n);
			for (size_t r = first; r < first + n; r++) {
				const struct dobj_rela *rela = &s->relas[r];
				int64_t addend;
				int target = cut_map_target(c, sec, rela, &addend);
				pw_add_rela(c->pw, into, rela->offset - copies[i].from + copies[i].to,
					    rela->type, target, addend);
			}
		}
	}
give_up:
	free(cie_new);
	free(copies);
	buf_free(&out);
}
