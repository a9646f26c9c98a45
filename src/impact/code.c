#include "impact/code.h"
#include "common/error.h"
#include "common/util.h"

#include <capstone/capstone.h>
#include <stdlib.h>
#include <string.h>

/* One function (or piece of one) in one file. */
struct func_sym {
	size_t shndx;
	uint64_t start, size;   /* section offset (objects) or address */
	int node;               /* its graph node; pieces map to their parent */
};

struct func_table {
	struct func_sym *syms;
	size_t n;
};

static int cmp_func_sym(const void *a, const void *b)
{
	const struct func_sym *x = a, *y = b;
	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

static bool is_function(const GElf_Sym *sym)
{
	int type = GELF_ST_TYPE(sym->st_info);
	return (type == STT_FUNC || type == STT_GNU_IFUNC) && sym->st_shndx != SHN_UNDEF &&
	       sym->st_shndx < SHN_LORESERVE;
}

/* GCC's private aliases of a function ("f.localalias") are the function. */
static size_t symbol_base_len(const char *name)
{
	size_t len = piece_parent_len(name);
	static const char alias[] = ".localalias";
	size_t alen = sizeof alias - 1;
	if (len > alen && strncmp(name + len - alen, alias, alen) == 0)
		len -= alen;
	return len;
}

static void read_functions(struct graph *g, struct elf_file *ef, struct func_table *t)
{
	t->syms = xcalloc(ef->nsyms ? ef->nsyms : 1, sizeof *t->syms);
	t->n = 0;
	for (size_t i = 1; i < ef->nsyms; i++) {
		GElf_Sym sym;
		if (!elf_file_symbol(ef, i, &sym) || !is_function(&sym))
			continue;
		const char *name = elf_file_symbol_name(ef, &sym);
		if (!*name)
			continue;
		int node = graph_node(g, name, symbol_base_len(name));
		g->nodes[node].defined = true;
		t->syms[t->n++] = (struct func_sym){ sym.st_shndx, sym.st_value, sym.st_size, node };
	}
	qsort(t->syms, t->n, sizeof *t->syms, cmp_func_sym);
}

/* The function of section SHNDX that covers OFFSET, or NULL.  A function
 * of size 0 covers only its first byte.  Functions do not overlap, so only
 * the last one starting at or before OFFSET can cover it. */
static const struct func_sym *function_at(const struct func_table *t, size_t shndx, uint64_t offset)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {   /* lo: the first entry after (shndx, offset) */
		size_t mid = (lo + hi) / 2;
		const struct func_sym *s = &t->syms[mid];
		if (s->shndx < shndx || (s->shndx == shndx && s->start <= offset))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct func_sym *s = &t->syms[lo - 1];
	uint64_t size = s->size ? s->size : 1;
	return s->shndx == shndx && offset < s->start + size ? s : NULL;
}

/* Where a relocation points inside its target's section: for the
 * PC-relative forms a call, jump or lea uses, the addend is biased by the
 * 4 bytes of the displacement. */
static uint64_t reloc_target_offset(GElf_Rela *rela)
{
	switch (GELF_R_TYPE(rela->r_info)) {
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
		/* unsigned: a damaged addend near INT64_MAX wraps, never overflows */
		return (uint64_t)rela->r_addend + 4;
	default:
		return (uint64_t)rela->r_addend;
	}
}

static void add_reloc_ref(struct graph *g, struct elf_file *ef, const struct func_table *t,
			  size_t code_shndx, GElf_Rela *rela)
{
	const struct func_sym *caller = function_at(t, code_shndx, rela->r_offset);
	GElf_Sym sym;
	if (!caller || !elf_file_symbol(ef, GELF_R_SYM(rela->r_info), &sym))
		return;
	int callee = -1;
	if (GELF_ST_TYPE(sym.st_info) == STT_SECTION) {
		const struct func_sym *target =
			function_at(t, sym.st_shndx, sym.st_value + reloc_target_offset(rela));
		if (target)
			callee = target->node;
	} else if (is_function(&sym)) {
		const char *name = elf_file_symbol_name(ef, &sym);
		callee = graph_node(g, name, symbol_base_len(name));
	}
	if (callee >= 0)
		graph_add_ref(g, caller->node, callee);
}

static int add_object_refs(struct graph *g, struct elf_file *ef, const struct func_table *t)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr shdr, target_shdr;
		if (!elf_file_shdr(scn, &shdr) || shdr.sh_type != SHT_RELA)
			continue;
		Elf_Scn *code = elf_getscn(ef->elf, shdr.sh_info);
		if (!code || !elf_file_shdr(code, &target_shdr) ||
		    !(target_shdr.sh_flags & SHF_EXECINSTR))
			continue;
		Elf_Data *data = elf_file_data(scn);
		if (!data || shdr.sh_entsize == 0)
			return err_set("%s: unreadable relocations in %s", ef->path,
				       elf_file_section_name(ef, scn));
		size_t n = shdr.sh_size / shdr.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Rela rela;
			if (gelf_getrela(data, (int)i, &rela))
				add_reloc_ref(g, ef, t, shdr.sh_info, &rela);
		}
	}
	return 0;
}

/* The address an instruction refers to directly: a call or jump target, or
 * a RIP-relative memory operand (lea of a function's address); 0 if none. */
static uint64_t insn_reference(csh handle, const cs_insn *insn)
{
	const cs_x86 *x86 = &insn->detail->x86;
	for (uint8_t i = 0; i < x86->op_count; i++) {
		const cs_x86_op *op = &x86->operands[i];
		if (op->type == X86_OP_MEM && op->mem.base == X86_REG_RIP)
			return insn->address + insn->size + (uint64_t)op->mem.disp;
		if (op->type == X86_OP_IMM &&
		    (cs_insn_group(handle, insn, CS_GRP_CALL) || cs_insn_group(handle, insn, CS_GRP_JUMP)))
			return (uint64_t)op->imm;
	}
	return 0;
}

/* Table of functions by address (shndx 0 for all) for a linked file. */
static void by_address(const struct func_table *in, struct func_table *out)
{
	out->syms = xcalloc(in->n ? in->n : 1, sizeof *out->syms);
	out->n = in->n;
	for (size_t i = 0; i < in->n; i++) {
		out->syms[i] = in->syms[i];
		out->syms[i].shndx = 0;
	}
	qsort(out->syms, out->n, sizeof *out->syms, cmp_func_sym);
}

static void disassemble_function(struct graph *g, csh handle, cs_insn *insn,
				 const struct func_sym *f, const uint8_t *code,
				 const struct func_table *by_addr)
{
	const uint8_t *p = code;
	size_t left = f->size;
	uint64_t address = f->start;
	while (left > 0) {
		if (!cs_disasm_iter(handle, &p, &left, &address, insn)) {
			/* Data or padding inside the range: skip a byte and go on. */
			p++;
			left--;
			address++;
			continue;
		}
		uint64_t target = insn_reference(handle, insn);
		if (!target)
			continue;
		const struct func_sym *callee = function_at(by_addr, 0, target);
		if (callee)
			graph_add_ref(g, f->node, callee->node);
	}
}

static int add_linked_refs(struct graph *g, struct elf_file *ef, const struct func_table *t)
{
	csh handle;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK)
		return err_set("cannot start the capstone disassembler");
	cs_option(handle, CS_OPT_DETAIL, CS_OPT_ON);
	cs_insn *insn = cs_malloc(handle);
	struct func_table by_addr;
	by_address(t, &by_addr);
	for (size_t i = 0; i < t->n; i++) {
		const struct func_sym *f = &t->syms[i];
		Elf_Scn *scn = elf_getscn(ef->elf, f->shndx);
		GElf_Shdr shdr;
		Elf_Data *data = scn ? elf_file_data(scn) : NULL;
		/* no addition that a damaged size could wrap */
		if (!data || !data->d_buf || !elf_file_shdr(scn, &shdr) || f->start < shdr.sh_addr ||
		    f->start - shdr.sh_addr > data->d_size ||
		    f->size > data->d_size - (f->start - shdr.sh_addr))
			continue;
		disassemble_function(g, handle, insn, f,
				     (const uint8_t *)data->d_buf + (f->start - shdr.sh_addr), &by_addr);
	}
	free(by_addr.syms);
	cs_free(insn, 1);
	cs_close(&handle);
	return 0;
}

int code_add_file(struct graph *g, struct elf_file *ef)
{
	if (!ef->symtab)
		return err_set("%s has no symbol table (stripped?); give suture the unstripped "
			       "build, or its objects", ef->path);
	struct func_table t;
	read_functions(g, ef, &t);
	g->have_code = true;
	int ret = ef->ehdr.e_type == ET_REL ? add_object_refs(g, ef, &t)
					     : add_linked_refs(g, ef, &t);
	free(t.syms);
	return ret;
}

/* "_ZGVbN4v_f" -> "f": the vector function ABI's mangling is _ZGV, an ISA
 * letter, N or M, the vector length, parameter kinds, '_', the name. */
static const char *simd_clone_base(const char *name)
{
	if (!str_starts_with(name, "_ZGV"))
		return NULL;
	const char *underscore = strchr(name + 4, '_');
	return underscore && underscore[1] ? underscore + 1 : NULL;
}

void code_link_names(struct graph *g)
{
	for (size_t id = 0; id < g->n; id++) {
		if (!g->nodes[id].defined || g->nodes[id].clone_of.n)
			continue;
		const char *name = g->nodes[id].name;
		const char *base = simd_clone_base(name);
		if (base && graph_find(g, base) >= 0) {
			graph_add_clone(g, graph_find(g, base), (int)id, "simdclone");
			continue;
		}
		if (str_ends_with(name, ".default")) {
			char *orig_name = xasprintf("%.*s", (int)(strlen(name) - 8), name);
			int orig = graph_find(g, orig_name);
			free(orig_name);
			if (orig >= 0 && g->nodes[orig].clones.n)
				graph_add_clone(g, orig, (int)id, "default");
		}
	}
}
