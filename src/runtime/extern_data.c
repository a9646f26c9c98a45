/* Rerouting out-of-reach references to other objects' data: see
 * extern_data.h. */
#include "runtime/extern_data.h"
#include "common/error.h"

#include <capstone/capstone.h>
#include <stdio.h>
#include <string.h>

#define OP_LEA 0x8d
#define OP_MOV_LOAD 0x8b
#define OP_JMP 0xe9
#define REX_W 0x08
#define REX_R 0x04
#define REX_B 0x01

/* A PC32 reference to an undefined symbol: it may need a stub.  (PLT32
 * is a call: out of reach, it takes a jump stub instead.) */
static int count_reference(const struct image *im, size_t target, const GElf_Rela *rela,
			   void *count)
{
	GElf_Sym sym;
	if (GELF_R_TYPE(rela->r_info) == R_X86_64_PC32 &&
	    elf_file_symbol(im->pf->ef, GELF_R_SYM(rela->r_info), &sym) && sym.st_shndx == SHN_UNDEF)
		++*(size_t *)count;
	return 0;
}

size_t extern_data_stub_count(const struct image *im)
{
	size_t count = 0;
	image_for_each_rela(im, 0, count_reference, &count);
	return count;
}

/* The instruction of the section that holds the 4 bytes at OFFSET: a
 * linear sweep from the section's start (GCC puts no data in code). */
static int find_instruction(csh cs, const uint8_t *code, size_t size, uint64_t offset,
			    cs_insn *insn)
{
	const uint8_t *at = code;
	size_t left = size;
	uint64_t addr = 0;
	while (cs_disasm_iter(cs, &at, &left, &addr, insn))
		if (addr > offset)
			return insn->address + insn->detail->x86.encoding.disp_offset == offset &&
			       insn->detail->x86.encoding.disp_size == 4 ? 0 : -1;
	return -1;
}

static void put_rel32(uint8_t *at, uint64_t from_next, uint64_t to)
{
	int32_t rel = (int32_t)(int64_t)(to - from_next);
	memcpy(at, &rel, 4);
}

/* The destination register of a load, as REX.R:modrm.reg (0-15). */
static unsigned dest_register(const cs_insn *insn, const uint8_t *start)
{
	uint8_t modrm = start[insn->detail->x86.encoding.modrm_offset];
	return ((modrm >> 3) & 7) | ((insn->detail->x86.rex & REX_R) ? 8 : 0);
}

/* The stub at STUB (address STUB_ADDR): cell, then the load, then a jump
 * back to NEXT.  REX_WIDTH: REX.W of the original load. */
static void write_stub(uint8_t *stub, uint64_t stub_addr, uint64_t ea, unsigned reg,
		       uint8_t rex_width, uint64_t next)
{
	memcpy(stub, &ea, 8);
	uint8_t *c = stub + 8;
	uint64_t code_addr = stub_addr + 8;
	/* mov cell(%rip), %reg64 */
	c[0] = 0x48 | (reg & 8 ? REX_R : 0);
	c[1] = OP_MOV_LOAD;
	c[2] = (uint8_t)(((reg & 7) << 3) | 5);
	put_rel32(c + 3, code_addr + 7, stub_addr);
	c += 7;
	/* mov (%reg64), %reg: rsp/r12 need a SIB byte, rbp/r13 a disp8 */
	*c++ = (uint8_t)(0x40 | rex_width | (reg & 8 ? REX_R | REX_B : 0));
	*c++ = OP_MOV_LOAD;
	if ((reg & 7) == 4) {
		*c++ = (uint8_t)(((reg & 7) << 3) | 4);
		*c++ = 0x24;
	} else if ((reg & 7) == 5) {
		*c++ = (uint8_t)(0x40 | ((reg & 7) << 3) | 5);
		*c++ = 0;
	} else {
		*c++ = (uint8_t)(((reg & 7) << 3) | (reg & 7));
	}
	*c = OP_JMP;
	put_rel32(c + 1, code_addr + (uint64_t)(c + 5 - (stub + 8)), next);
}

static int refuse(const char *sname, const char *what)
{
	return err_set("the patch reaches '%s', a variable of another object more than 2 GB away, "
		       "PC-relatively (GCC expects a copy relocation the program does not have) "
		       "with %s, which suture cannot reroute; " EXTERN_DATA_WAY_OUT, sname, what);
}

/* NULL when INSN (whose bytes start at START) is one of the two forms
 * rerouted (extern_data.h), else its mnemonic. */
static const char *not_reroutable(const cs_insn *insn, const uint8_t *start)
{
	const cs_x86 *x = &insn->detail->x86;
	uint8_t opcode = start[x->encoding.modrm_offset - 1];
	bool plain = x->prefix[0] == 0 && x->prefix[1] == 0 && x->prefix[2] == 0 &&
		     x->prefix[3] == 0 && x->opcode[1] == 0 && x->encoding.imm_size == 0;
	if (!plain || (opcode != OP_LEA && opcode != OP_MOV_LOAD) ||
	    (opcode == OP_LEA && !(x->rex & REX_W)))
		return insn->mnemonic;
	return NULL;
}

static int reroute(struct image *im, const cs_insn *insn, uint8_t *start, uint64_t P,
		   uint64_t ea, const char *sname)
{
	const cs_x86 *x = &insn->detail->x86;
	uint64_t insn_addr = P - x->encoding.disp_offset;
	uint64_t next = insn_addr + insn->size;
	uint8_t opcode = start[x->encoding.modrm_offset - 1];
	if (not_reroutable(insn, start))
		return refuse(sname, insn->mnemonic);
	if (im->xstubs_used == im->nxstubs)
		return err_set("internal: more rerouted references than counted");
	uint64_t stub_off = im->xstubs_off + im->xstubs_used++ * EXTERN_STUB_SIZE;
	uint64_t stub_addr = im->base + stub_off;
	if (opcode == OP_LEA) {
		memcpy(im->bytes + stub_off, &ea, 8);
		start[x->encoding.modrm_offset - 1] = OP_MOV_LOAD;
		put_rel32(start + x->encoding.disp_offset, next, stub_addr);
		return 0;
	}
	write_stub(im->bytes + stub_off, stub_addr, ea, dest_register(insn, start),
		   x->rex & REX_W, next);
	start[0] = OP_JMP;
	put_rel32(start + 1, insn_addr + 5, stub_addr + 8);
	memset(start + 5, 0x90, insn->size - 5);
	return 0;
}

/* Capstone, with instruction details, for one of the calls below. */
static int open_capstone(csh *cs, cs_insn **insn)
{
	if (cs_open(CS_ARCH_X86, CS_MODE_64, cs) != CS_ERR_OK)
		return err_set("capstone cannot be opened");
	cs_option(*cs, CS_OPT_DETAIL, CS_OPT_ON);
	*insn = cs_malloc(*cs);
	return 0;
}

static void close_capstone(csh *cs, cs_insn *insn)
{
	cs_free(insn, 1);
	cs_close(cs);
}

int extern_data_reroutable(const uint8_t *code, size_t size, uint64_t offset, char *what,
			   size_t what_size)
{
	csh cs;
	cs_insn *insn;
	if (open_capstone(&cs, &insn) < 0)
		return -1;
	const char *form = "an instruction that cannot be decoded";
	if (find_instruction(cs, code, size, offset, insn) == 0)
		form = not_reroutable(insn, code + insn->address);
	snprintf(what, what_size, "%s", form ? form : "");
	close_capstone(&cs, insn);
	return form ? 0 : 1;
}

int extern_data_reroute(struct image *im, size_t sec, const GElf_Shdr *sh,
			const GElf_Rela *rela, uint64_t S, const char *sname)
{
	if (!(sh->sh_flags & SHF_EXECINSTR))
		return refuse(sname, "a data reference");
	csh cs;
	cs_insn *insn;
	if (open_capstone(&cs, &insn) < 0)
		return -1;
	uint8_t *code = im->bytes + im->sec_off[sec];
	int ret;
	if (find_instruction(cs, code, sh->sh_size, rela->r_offset, insn) < 0) {
		ret = refuse(sname, "an instruction that cannot be decoded");
	} else {
		uint8_t *start = code + insn->address;
		uint64_t P = im->base + im->sec_off[sec] + rela->r_offset;
		/* the address the instruction meant: rel32 + end of instruction */
		uint64_t next = P - insn->detail->x86.encoding.disp_offset + insn->size;
		uint64_t ea = S + (uint64_t)rela->r_addend + (next - P);
		ret = reroute(im, insn, start, P, ea, sname);
	}
	close_capstone(&cs, insn);
	return ret;
}
