/* __LINE__ moves are not changes (docs/diff.md, "__LINE__ moves").
 *
 * Adding or removing lines above an assert() or a logging macro changes
 * the line number compiled into the code as an immediate operand, and
 * nothing else.  A function is taken as unchanged when its instructions
 * pair up one to one (capstone), equal except for the immediate field of
 * some of them, and each such immediate is shown to be a line number:
 *   - with -g, the old immediate is the line of the old instruction (or
 *     of the call it is inlined from, at any depth, or up to LINE_SPREAD
 *     lines below that) and the new one the same for the new instruction,
 *     at the same depth and distance (DWARF line tables and inlining
 *     records, through libdwfl);
 *   - without -g, only with the source diff (--source-diff): the value is
 *     passed to a call (a `mov $imm` whose register reaches a call), the
 *     diff moves line OLD to line NEW without changing it, and neither
 *     number is written in a line the diff removes or adds.
 * Without either, a differing immediate is a change: a constant that moved
 * by chance as much as the lines did cannot be told from a line number. */
#include "diff/diff.h"
#include "diff/debuginfo.h"
#include "diff/srcdiff.h"
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
	bool passed_to_call;   /* a mov of the immediate, a call soon after */
};

/* How many instructions after a `mov $imm` the call it loads an argument
 * for may come (gcc schedules the other arguments and the prologue in
 * between). */
#define CALL_WINDOW 32

/* The register a name is a part of: "rcx", "ecx", "cx", "cl" -> "c";
 * "r8d" -> "r8"; "sil" -> "si".  A write to any part of the register
 * that holds the argument overwrites it. */
static void register_family(const char *name, char *out, size_t size)
{
	if (name[0] == 'r' && name[1] >= '0' && name[1] <= '9') {
		snprintf(out, size, "%.*s", (int)strspn(name + 1, "0123456789") + 1, name);
		return;
	}
	if ((name[0] == 'r' || name[0] == 'e') && strlen(name) == 3)
		name++;
	if (strlen(name) == 2 && strchr("abcd", name[0]) && strchr("xlh", name[1]))
		snprintf(out, size, "%c", name[0]);
	else
		snprintf(out, size, "%.2s", name);
}

/* Does instruction INSN write register REG, or a part of it? */
static bool writes(csh cs, const cs_insn *insn, x86_reg reg)
{
	cs_regs read, written;
	uint8_t nread, nwritten;
	if (cs_regs_access(cs, insn, read, &nread, written, &nwritten) != CS_ERR_OK)
		return true;
	char target[8], other[8];
	register_family(cs_reg_name(cs, reg), target, sizeof target);
	for (uint8_t i = 0; i < nwritten; i++) {
		const char *name = cs_reg_name(cs, written[i]);
		if (!name)
			continue;
		register_family(name, other, sizeof other);
		if (strcmp(target, other) == 0)
			return true;
	}
	return false;
}

/* A tail call in a relocatable object: `jmp rel32` whose displacement
 * the linker fills in (still 0 here, so it seems to jump to the next
 * instruction, which no compiler writes for a jump of its own). */
static bool is_tail_call(const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;
	return insn->id == X86_INS_JMP && insn->size == 5 && insn->bytes[0] == 0xe9 &&
	       x->op_count == 1 && x->operands[0].type == X86_OP_IMM &&
	       (uint64_t)x->operands[0].imm == insn->address + insn->size;
}

/* Is instruction I of INSNS a mov of an immediate into a register or the
 * stack whose value reaches a call: the call comes within CALL_WINDOW
 * instructions, with no jump or return before it and the register not
 * written again?  That is how a __LINE__ is passed. */
static bool passed_to_call(csh cs, const cs_insn *insns, size_t n, size_t i)
{
	const cs_x86 *x = &insns[i].detail->x86;
	if (insns[i].id != X86_INS_MOV || x->op_count != 2 || x->operands[1].type != X86_OP_IMM)
		return false;
	x86_reg dest = x->operands[0].type == X86_OP_REG ? x->operands[0].reg : X86_REG_INVALID;
	for (size_t j = i + 1; j < n && j <= i + CALL_WINDOW; j++) {
		const cs_detail *d = insns[j].detail;
		if (is_tail_call(&insns[j]))
			return true;
		for (uint8_t g = 0; g < d->groups_count; g++) {
			if (d->groups[g] == CS_GRP_CALL)
				return true;
			if (d->groups[g] == CS_GRP_JUMP || d->groups[g] == CS_GRP_RET)
				return false;
		}
		if (dest != X86_REG_INVALID && writes(cs, &insns[j], dest))
			return false;
	}
	return false;
}

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
		else if (m.old_imm != m.new_imm && (n == max ? (ok = false) : 1)) {
			m.passed_to_call = passed_to_call(cs, ia, na, i);
			moved[n++] = m;
		}
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

/* With -g: each moved immediate is the line of its code, as the DWARF
 * line tables and inlining records of the two objects say. */
static bool moved_as_lines_say(const struct dobj *o, const struct dobj_symbol *sa,
			       const struct dobj *p, const struct dobj_symbol *sb,
			       const struct moved *moved, int n)
{
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
	return true;
}

/* The unit's source file: the first STT_FILE of the object. */
static const char *unit_file(const struct dobj *o)
{
	for (size_t i = 0; i < o->nsyms; i++)
		if (o->syms[i].type == STT_FILE && o->syms[i].name && *o->syms[i].name)
			return o->syms[i].name;
	return NULL;
}

/* Without -g: each moved immediate is passed to a call, and the source
 * diff moves line OLD to line NEW without touching it nor writing either
 * number in a line it changes (docs/diff.md). */
static bool moved_as_source_diff_says(const struct srcdiff *sd, const struct dobj *o,
				      const struct moved *moved, int n)
{
	const char *unit = unit_file(o);
	if (!sd || !unit)
		return false;
	for (int i = 0; i < n; i++)
		if (!moved[i].passed_to_call ||
		    !srcdiff_line_moved(sd, unit, moved[i].old_imm, moved[i].new_imm))
			return false;
	return true;
}

bool diff_only_line_moved(const struct diff *d, int a, int b, char **detail)
{
	const struct dobj *o = d->orig, *p = d->patched;
	const struct dobj_symbol *sa = &o->syms[a], *sb = &p->syms[b];
	const uint8_t *code_a = dobj_symbol_bytes(o, sa), *code_b = dobj_symbol_bytes(p, sb);
	if (!code_a || !code_b || sa->sym.st_size != sb->sym.st_size)
		return false;
	struct moved moved[64];
	int n = moved_immediates(code_a, code_b, sa->sym.st_size, moved, 64);
	if (n <= 0)
		return false;
	bool with_g = debuginfo_of(o) && debuginfo_of(p);
	if (with_g ? !moved_as_lines_say(o, sa, p, sb, moved, n)
		   : !moved_as_source_diff_says(d->source_diff, o, moved, n))
		return false;
	*detail = xasprintf("only __LINE__ moved (%lld -> %lld%s)%s", (long long)moved[0].old_imm,
			    (long long)moved[0].new_imm, n > 1 ? ", ..." : "",
			    with_g ? "" : ", by the source diff");
	return true;
}
