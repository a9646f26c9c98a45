/* Entry padding, slots and the gate (see redirect.h). */
#include "runtime/redirect.h"
#include "runtime/loader.h"
#include "common/error.h"

#include <string.h>

static const uint8_t ENDBR64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
static const uint8_t NOP5[PAD_LEN] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
static const uint8_t NOP1X5[PAD_LEN] = { 0x90, 0x90, 0x90, 0x90, 0x90 };

int entry_padding(const uint8_t *code, size_t size)
{
	size_t off = size >= 4 && memcmp(code, ENDBR64, 4) == 0 ? 4 : 0;
	if (size < off + PAD_LEN)
		return -1;
	if (memcmp(code + off, NOP5, PAD_LEN) == 0 || memcmp(code + off, NOP1X5, PAD_LEN) == 0)
		return (int)off;
	return -1;
}

uint64_t skip_padding(uint64_t addr, const uint8_t *code, size_t size)
{
	int off = entry_padding(code, size);
	return off < 0 ? addr : addr + (uint64_t)off + PAD_LEN;
}

static void put_rel32(uint8_t *at, uint64_t from_end, uint64_t target)
{
	int32_t rel = (int32_t)(int64_t)(target - from_end);
	memcpy(at, &rel, 4);
}

void slot_encode(uint8_t *out, uint64_t slot, uint64_t gate, uint64_t from, uint64_t to)
{
	memset(out, 0xcc, SLOT_SIZE);
	out[0] = 0x80;                  /* cmpb $0, gate(%rip) */
	out[1] = 0x3d;
	put_rel32(out + 2, slot + 7, gate);
	out[6] = 0x00;
	out[7] = 0x0f;                  /* je from */
	out[8] = 0x84;
	put_rel32(out + 9, slot + 13, from);
	out[13] = 0xe9;                 /* jmp to */
	put_rel32(out + 14, slot + 18, to);
}

int padding_point(struct proc *p, const struct redirect *r, uint64_t target)
{
	uint8_t code[PAD_LEN];
	if (target == r->pad + PAD_LEN) {
		memcpy(code, r->orig_pad, PAD_LEN);
	} else {
		code[0] = 0xe9;
		put_rel32(code + 1, r->pad + PAD_LEN, target);
	}
	return mem_write(p, r->pad, code, PAD_LEN);
}

int gate_write(struct proc *p, uint64_t gate, uint8_t value)
{
	return mem_write(p, gate, &value, 1);
}

int redirect_switch(struct proc *p, const struct redirect *r, size_t n, uint64_t gate, uint8_t gate_to)
{
	for (size_t i = 0; i < n; i++)
		if (padding_point(p, &r[i], r[i].slot) < 0)
			return -1;
	if (gate_write(p, gate, gate_to) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (padding_point(p, &r[i], gate_to ? r[i].to : r[i].from) < 0)
			return -1;
	return 0;
}
