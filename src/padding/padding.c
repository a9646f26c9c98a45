#include "padding/padding.h"

#include <capstone/capstone.h>
#include <stdbool.h>
#include <string.h>

static const uint8_t endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
static const uint8_t nop5[PADDING_NOP_SIZE] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
static const uint8_t nop1x5[PADDING_NOP_SIZE] = { 0x90, 0x90, 0x90, 0x90, 0x90 };

/* Are the N bytes at P all BYTE? */
static bool all_bytes(const uint8_t *p, size_t n, uint8_t byte)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != byte)
			return false;
	return true;
}

/* Length of the instruction at CODE (SIZE bytes available), 0 when it does
 * not decode. */
static unsigned insn_length(const uint8_t *code, size_t size)
{
	csh handle;
	if (size == 0 || cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK)
		return 0;
	cs_insn *insn = NULL;
	unsigned len = 0;
	/* capstone's cs_free() dereferences what it is given: only a decoded one */
	if (cs_disasm(handle, code, size, 0, 1, &insn) == 1) {
		len = insn->size;
		cs_free(insn, 1);
	}
	cs_close(&handle);
	return len;
}

enum padding_form padding_read(const uint8_t *before, const uint8_t *code, size_t size,
			       struct padding *out)
{
	unsigned at = size >= sizeof endbr64 && memcmp(code, endbr64, sizeof endbr64) == 0
		? sizeof endbr64 : 0;
	memset(out, 0, sizeof *out);
	out->at = at;
	if (size >= at + PADDING_NOP_SIZE && (memcmp(code + at, nop5, PADDING_NOP_SIZE) == 0 ||
					      memcmp(code + at, nop1x5, PADDING_NOP_SIZE) == 0)) {
		out->form = PADDING_NOP5;
		out->len = PADDING_NOP_SIZE;
		return out->form;
	}
	if (!before || !(all_bytes(before, PADDING_ROOM_SIZE, 0xcc) ||
			 all_bytes(before, PADDING_ROOM_SIZE, 0x90)))
		return PADDING_NONE;
	/* the runtime replaces exactly the first instruction by a 2-byte jump */
	unsigned first = insn_length(code + at, size - at);
	if (first < 2)
		return PADDING_NONE;
	out->form = PADDING_ROOM;
	out->len = first;
	return out->form;
}

const char *padding_form_name(enum padding_form form)
{
	return form == PADDING_ROOM ? "prefix16" : form == PADDING_NOP5 ? "nop5" : "none";
}
