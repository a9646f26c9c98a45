/* How a function in the process can be redirected: its entry form, read
 * from its bytes (docs/entry-padding.md).
 *
 *   NOP form:  a 5-byte NOP (suture-cc -fease-live-patching-entry=nop) or
 *              five 1-byte NOPs (gcc -fpatchable-function-entry=5) at the
 *              entry, after endbr64;
 *   room form: 16 bytes of int3 (suture-cc) or NOPs (gcc
 *              -fpatchable-function-entry=16,16) before the entry (room.h).
 *
 * A function an earlier patch redirected is read as it was before: the
 * earlier patch's record holds its original bytes. */
#ifndef SUTURE_RUNTIME_ENTRY_H
#define SUTURE_RUNTIME_ENTRY_H

#include "runtime/redirect.h"
#include "runtime/state.h"

struct entry_form {
	uint64_t pad;                   /* the NOP, or the entry past endbr64 */
	uint8_t orig_pad[PAD_LEN];
	unsigned len;                   /* bytes at PAD suture owns */
	uint64_t room;                  /* room form: the room; 0: NOP form */
	uint8_t orig_room[ROOM_JUMP];
	unsigned displaced;             /* room form: = len */
	uint8_t code[32];               /* room form: the original displaced bytes */
};

/* Reads the form of the function at ADDR: CODE, its SIZE bytes as in the
 * process, is given back its original bytes where PREV (the record of
 * the patch that redirects it today, or NULL) changed them; BEFORE holds
 * the ROOM_SIZE bytes before it (NULL: none readable).  0, or -1 with a
 * message naming NAME in PATH and what to do. */
int entry_form_read(uint64_t addr, uint8_t *code, size_t size, uint8_t *before, const struct state_func *prev,
		    const char *name, const char *path, struct entry_form *out);

#endif
