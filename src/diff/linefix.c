/* __LINE__ moves are not changes (docs/diff.md, "__LINE__").
 *
 * Adding or removing lines above an assert() or a logging macro changes
 * the line number compiled into the code as an immediate operand, and
 * nothing else.  A function is taken as unchanged when
 *   - its instructions pair up one to one (capstone), equal except for
 *     the immediate field of some of them, and
 *   - for each such instruction, the old immediate is the line the old
 *     instruction comes from and the new immediate the line the new one
 *     comes from, per the DWARF line tables of the two objects (libdwfl
 *     relocates them for relocatable objects).
 * Without line tables (no -g) a differing immediate is a change: a
 * constant that moved by chance as much as the lines did is not told
 * apart from a line number. */
#include "diff/diff.h"
#include "diff/debuginfo.h"
#include "common/util.h"

#include <capstone/capstone.h>
#include <dwarf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The line of the row covering ADDR, walking every line table: libdwfl's
 * own lookup goes through the units' address ranges, which it does not
 * find in clang's relocatable objects; the rows themselves are relocated. */
static int line_by_rows(struct debuginfo *l, Dwarf_Addr addr)
{
	Dwarf_Die *cu = NULL;
	Dwarf_Addr bias;
	while ((cu = dwfl_module_nextcu(l->mod, cu, &bias))) {
		Dwarf_Lines *rows;
		size_t n;
		if (dwarf_getsrclines(cu, &rows, &n) != 0)
			continue;
		for (size_t i = 0; i + 1 < n; i++) {
			Dwarf_Line *row = dwarf_onesrcline(rows, i), *next = dwarf_onesrcline(rows, i + 1);
			Dwarf_Addr from, to;
			bool end = false;
			int lineno;
			if (dwarf_lineaddr(row, &from) || dwarf_lineaddr(next, &to) ||
			    dwarf_lineendsequence(row, &end) || end)
				continue;
			if (from + bias <= addr && addr < to + bias && dwarf_lineno(row, &lineno) == 0)
				return lineno;
		}
	}
	return -1;
}

/* The lines byte OFFSET of function S comes from, innermost first: the
 * line of its row, then for each inlined function it lies in, the line
 * of that call (DW_AT_call_line).  A __LINE__ passed to an inlined helper
 * (expat's accountingDiffTolerated(..., __LINE__)) ends up in an
 * instruction whose row is the helper's line; the value is its call's.
 * Returns how many were found (0 without line information). */
static int lines_at(struct debuginfo *l, const struct dobj_symbol *s, uint64_t offset,
		    int *lines, int max)
{
	Dwarf_Addr addr;
	if (max < 1 || !debuginfo_address(l, s->sym.st_shndx, s->sym.st_value + offset, &addr))
		return 0;
	Dwfl_Line *line = dwfl_module_getsrc(l->mod, addr);
	int n = 0;
	if (!line || !dwfl_lineinfo(line, NULL, &lines[0], NULL, NULL, NULL))
		lines[0] = line_by_rows(l, addr);
	if (lines[0] < 0)
		return 0;
	n = 1;
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(l->mod, addr, &bias);
	Dwarf_Die *scopes = NULL;
	int nscopes = cu ? dwarf_getscopes(cu, addr - bias, &scopes) : 0;
	for (int i = 0; i < nscopes && n < max; i++) {
		Dwarf_Attribute attr;
		Dwarf_Word call_line;
		if (dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine &&
		    dwarf_attr(&scopes[i], DW_AT_call_line, &attr) &&
		    dwarf_formudata(&attr, &call_line) == 0)
			lines[n++] = (int)call_line;
	}
	free(scopes);
	return n;
}

/* How far below the line of its code (or of the call it is inlined
 * from) a __LINE__ may be: a call written over several lines has its
 * __LINE__ argument on a later line than the call. */
#define LINE_SPREAD 8

/* Did the immediate move exactly as the line of its code did, at one
 * depth of inlining: OLD_IMM = LINES_A[i] + k and NEW_IMM = LINES_B[i] + k,
 * with 0 <= k <= LINE_SPREAD? */
static bool line_at_same_depth(const int *lines_a, int na, int64_t old_imm,
			       const int *lines_b, int nb, int64_t new_imm)
{
	for (int i = 0; i < na && i < nb; i++) {
		int64_t k = old_imm - lines_a[i];
		if (k >= 0 && k <= LINE_SPREAD && new_imm - lines_b[i] == k)
			return true;
	}
	return false;
}

/* An instruction pair that differs only in its immediate field. */
struct moved {
	uint64_t offset;
	int64_t old_imm, new_imm;
};

static bool only_immediate_differs(const cs_insn *a, const cs_insn *b, struct moved *m)
{
	if (a->size != b->size || a->id != b->id)
		return false;
	if (memcmp(a->bytes, b->bytes, a->size) == 0)
		return true;
	const cs_x86 *xa = &a->detail->x86, *xb = &b->detail->x86;
	uint8_t at = xa->encoding.imm_offset, size = xa->encoding.imm_size;
	if (!at || at != xb->encoding.imm_offset || size != xb->encoding.imm_size ||
	    at + size > a->size)
		return false;
	if (memcmp(a->bytes, b->bytes, at) != 0 ||
	    memcmp(a->bytes + at + size, b->bytes + at + size, a->size - at - size) != 0)
		return false;
	for (int i = 0; i < xa->op_count && i < xb->op_count; i++)
		if (xa->operands[i].type == X86_OP_IMM) {
			m->offset = a->address;
			m->old_imm = xa->operands[i].imm;
			m->new_imm = xb->operands[i].imm;
			return m->old_imm != m->new_imm;
		}
	return false;
}

/* Pairs the instructions of the two functions; fills MOVED (at most
 * MAX) and returns their number, or -1 when they differ otherwise. */
static int moved_immediates(const uint8_t *code_a, const uint8_t *code_b, size_t size,
			    struct moved *moved, int max)
{
	csh cs;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return -1;
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	cs_insn *ia = NULL, *ib = NULL;
	size_t na = cs_disasm(cs, code_a, size, 0, 0, &ia);
	size_t nb = cs_disasm(cs, code_b, size, 0, 0, &ib);
	int n = 0;
	bool ok = na == nb && na > 0;
	for (size_t i = 0; ok && i < na; i++) {
		struct moved m = { 0 };
		if (!only_immediate_differs(&ia[i], &ib[i], &m))
			ok = false;
		else if (m.old_imm != m.new_imm && (n == max ? (ok = false) : 1))
			moved[n++] = m;
	}
	/* Whatever capstone could not decode must be equal too. */
	if (ok && na) {
		uint64_t end = ia[na - 1].address + ia[na - 1].size;
		ok = memcmp(code_a + end, code_b + end, size - end) == 0;
	}
	if (na)
		cs_free(ia, na);
	if (nb)
		cs_free(ib, nb);
	cs_close(&cs);
	return ok ? n : -1;
}

bool diff_only_line_moved(const struct dobj *o, int a, const struct dobj *p, int b, char **detail)
{
	const struct dobj_symbol *sa = &o->syms[a], *sb = &p->syms[b];
	const uint8_t *code_a = dobj_symbol_bytes(o, sa), *code_b = dobj_symbol_bytes(p, sb);
	if (!code_a || !code_b || sa->sym.st_size != sb->sym.st_size)
		return false;
	struct moved moved[64];
	int n = moved_immediates(code_a, code_b, sa->sym.st_size, moved, 64);
	if (n <= 0)
		return false;
	struct debuginfo *la = debuginfo_of(o), *lb = debuginfo_of(p);
	if (!la || !lb)
		return false;
	for (int i = 0; i < n; i++) {
		int lines_a[16], lines_b[16];
		int na = lines_at(la, sa, moved[i].offset, lines_a, 16);
		int nb = lines_at(lb, sb, moved[i].offset, lines_b, 16);
		if (!line_at_same_depth(lines_a, na, moved[i].old_imm, lines_b, nb, moved[i].new_imm))
			return false;
	}
	*detail = xasprintf("only __LINE__ moved (%lld -> %lld%s)", (long long)moved[0].old_imm,
			    (long long)moved[0].new_imm, n > 1 ? ", ..." : "");
	return true;
}
