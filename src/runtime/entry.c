/* The entry form of a function in the process (entry.h). */
#include "runtime/entry.h"
#include "common/error.h"

#include <string.h>

static const uint8_t ENDBR64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };

static int read_room(uint64_t addr, uint8_t *code, size_t size, unsigned at, uint8_t *before,
		     const struct state_func *prev, const char *name, struct entry_form *out)
{
	if (prev && prev->room) {
		memcpy(before, prev->orig_room, ROOM_JUMP);
		memcpy(code + at, prev->orig_pad, 2);
	}
	if (!room_present(before))
		return 1;
	unsigned displaced;
	if (room_plan(addr, code, size, at, name, &displaced) < 0)
		return -1;
	if (displaced > sizeof out->code)
		return err_set("function '%s' cannot be redirected: its first instructions are too long", name);
	/* what cannot be moved is refused now, before anything changes */
	uint8_t stub[ROOM_STUB_MAX];
	if (room_stub(stub, addr + at, addr + at, code + at, displaced, name) < 0)
		return -1;
	out->pad = addr + at;
	out->len = out->displaced = displaced;
	out->room = addr - ROOM_SIZE;
	memcpy(out->orig_room, before, ROOM_JUMP);
	memcpy(out->orig_pad, code + at, 2);
	memcpy(out->code, code + at, displaced);
	return 0;
}

int entry_form_read(uint64_t addr, uint8_t *code, size_t size, uint8_t *before, const struct state_func *prev,
		    const char *name, const char *path, struct entry_form *out)
{
	memset(out, 0, sizeof *out);
	unsigned at = size >= 4 && memcmp(code, ENDBR64, 4) == 0 ? 4 : 0;
	if (prev && !prev->room)
		memcpy(code + at, prev->orig_pad, PAD_LEN);
	int off = prev && prev->room ? -1 : entry_padding(code, size);
	if (off >= 0) {
		out->pad = addr + (uint64_t)off;
		out->len = PAD_LEN;
		memcpy(out->orig_pad, code + off, PAD_LEN);
		return 0;
	}
	int rc = before ? read_room(addr, code, size, at, before, prev, name, out) : 1;
	if (rc <= 0)
		return rc;
	return err_set("function '%s' in %s has no entry padding: rebuild with suture-cc -fease-live-patching",
		       name, path);
}
