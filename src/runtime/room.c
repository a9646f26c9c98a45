/* The prefix room: planning, the stub of displaced instructions (room.h). */
#include "runtime/room.h"
#include "common/error.h"

#include <capstone/capstone.h>
#include <stdbool.h>
#include <string.h>

/* What a user can do about a function GCC's own room cannot redirect. */
#define ROOM_ADVICE "rebuild with suture-cc -fease-live-patching (its entry form starts every function " \
	"with an instruction of 2 bytes or more), or patch its callers instead"

int room_present(const uint8_t *before)
{
	bool int3 = true, nop = true;
	for (int i = 0; i < ROOM_SIZE; i++) {
		int3 &= before[i] == 0xcc;
		nop &= before[i] == 0x90;
	}
	return int3 || nop;
}

static int open_capstone(csh *cs)
{
	if (cs_open(CS_ARCH_X86, CS_MODE_64, cs) != CS_ERR_OK)
		return err_set("cannot start the disassembler (capstone)");
	cs_option(*cs, CS_OPT_DETAIL, CS_OPT_ON);
	return 0;
}

/* The target of a direct jump or call, or 0. */
static uint64_t branch_target(const cs_insn *in)
{
	const cs_x86 *x = &in->detail->x86;
	bool branch = false;
	for (uint8_t g = 0; g < in->detail->groups_count; g++)
		if (in->detail->groups[g] == CS_GRP_JUMP || in->detail->groups[g] == CS_GRP_CALL)
			branch = true;
	if (!branch || x->op_count != 1 || x->operands[0].type != X86_OP_IMM)
		return 0;
	return (uint64_t)x->operands[0].imm;
}

/* Whole instructions from the entry covering at least 2 bytes. */
static int displaced_length(csh cs, uint64_t entry, const uint8_t *code, size_t size, const char *name,
			    unsigned *out)
{
	unsigned d = 0;
	while (d < 2) {
		cs_insn *in = NULL;
		if (d >= size || cs_disasm(cs, code + d, size - d, entry + d, 1, &in) != 1)
			return err_set("function '%s' cannot be redirected: its first instruction%s cannot be decoded",
				       name, d ? "s" : "");
		d += in->size;
		cs_free(in, 1);
	}
	*out = d;
	return 0;
}

int room_plan(uint64_t addr, const uint8_t *code, size_t size, unsigned at, const char *name,
	      unsigned *displaced)
{
	if (size < at + 2)
		return err_set("function '%s' is %zu byte%s long, shorter than the 2-byte jump that redirects it: %s",
			       name, size, size == 1 ? "" : "s", ROOM_ADVICE);
	csh cs;
	if (open_capstone(&cs) < 0)
		return -1;
	uint64_t entry = addr + at;
	int rc = displaced_length(cs, entry, code + at, size - at, name, displaced);
	/* every direct jump of the function: none may land inside what is displaced */
	const uint8_t *p = code;
	size_t left = size;
	uint64_t pc = addr;
	cs_insn *in = cs_malloc(cs);
	while (rc == 0 && left && cs_disasm_iter(cs, &p, &left, &pc, in)) {
		uint64_t t = branch_target(in);
		if (t > entry && t < entry + *displaced)
			rc = err_set("function '%s' cannot be redirected: the instruction at +0x%llx jumps to +0x%llx, "
				     "inside the %u bytes its redirection replaces; %s", name,
				     (unsigned long long)(in->address - addr), (unsigned long long)(t - addr), *displaced,
				     ROOM_ADVICE);
	}
	cs_free(in, 1);
	cs_close(&cs);
	return rc;
}

static void put_rel32(uint8_t *at, uint64_t end, uint64_t target)
{
	int32_t rel = (int32_t)(int64_t)(target - end);
	memcpy(at, &rel, 4);
}

static bool fits_rel32(uint64_t end, uint64_t target)
{
	int64_t rel = (int64_t)(target - end);
	return rel == (int32_t)rel;
}

/* One displaced instruction IN, moved to AT in OUT (at address OUT_PC):
 * bytes written, or -1. */
static int move_insn(const cs_insn *in, uint8_t *out, uint64_t out_pc, size_t room, const char *name)
{
	const cs_x86 *x = &in->detail->x86;
	unsigned id = in->id;
	if (id == X86_INS_CALL || id == X86_INS_LOOP || id == X86_INS_LOOPE || id == X86_INS_LOOPNE ||
	    id == X86_INS_JRCXZ || id == X86_INS_JECXZ)
		return err_set("function '%s' cannot be redirected: its first instructions include '%s %s', "
			       "which cannot be moved; %s", name, in->mnemonic, in->op_str, ROOM_ADVICE);
	uint64_t target = branch_target(in);
	if (target && id == X86_INS_JMP) {
		if (room < 5 || !fits_rel32(out_pc + 5, target))
			return err_set("function '%s': its first jump cannot be moved", name);
		out[0] = 0xe9;
		put_rel32(out + 1, out_pc + 5, target);
		return 5;
	}
	if (target) {   /* jcc rel8/rel32: as jcc rel32 */
		uint8_t cc = in->bytes[0] == 0x0f ? in->bytes[1] & 0x0f : in->bytes[0] & 0x0f;
		if (room < 6 || !fits_rel32(out_pc + 6, target))
			return err_set("function '%s': its first jump cannot be moved", name);
		out[0] = 0x0f;
		out[1] = 0x80 | cc;
		put_rel32(out + 2, out_pc + 6, target);
		return 6;
	}
	if (room < in->size)
		return err_set("function '%s': its first instructions do not fit in a stub", name);
	memcpy(out, in->bytes, in->size);
	for (uint8_t i = 0; i < x->op_count; i++) {
		if (x->operands[i].type != X86_OP_MEM || x->operands[i].mem.base != X86_REG_RIP)
			continue;
		/* RIP-relative: the same address from the stub */
		uint64_t addr = in->address + in->size + (uint64_t)x->operands[i].mem.disp;
		if (x->encoding.disp_size != 4 || !fits_rel32(out_pc + in->size, addr))
			return err_set("function '%s': its first instruction's RIP-relative operand cannot be moved",
				       name);
		put_rel32(out + x->encoding.disp_offset, out_pc + in->size, addr);
	}
	return in->size;
}

int room_stub(uint8_t *out, uint64_t stub, uint64_t entry, const uint8_t *code, unsigned displaced,
	      const char *name)
{
	csh cs;
	if (open_capstone(&cs) < 0)
		return -1;
	memset(out, 0xcc, ROOM_STUB_MAX);
	size_t len = 0;
	unsigned d = 0;
	int rc = 0;
	while (rc == 0 && d < displaced) {
		cs_insn *in = NULL;
		if (cs_disasm(cs, code + d, displaced - d, entry + d, 1, &in) != 1) {
			rc = err_set("function '%s': its first instructions cannot be decoded", name);
			break;
		}
		int n = move_insn(in, out + len, stub + len, ROOM_STUB_MAX - 5 - len, name);
		d += in->size;
		cs_free(in, 1);
		if (n < 0)
			rc = -1;
		else
			len += (size_t)n;
	}
	cs_close(&cs);
	if (rc < 0)
		return -1;
	out[len] = 0xe9;   /* back past the displaced bytes */
	put_rel32(out + len + 1, stub + len + 5, entry + displaced);
	return 0;
}
