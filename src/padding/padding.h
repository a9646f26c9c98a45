/* Which entry padding a function has, read from its bytes alone
 * (docs/entry-padding.md): every reader of code (suture audit, diff) asks
 * here, so that they agree on what is patchable and on which bytes of a
 * function belong to the runtime. */
#ifndef SUTURE_PADDING_PADDING_H
#define SUTURE_PADDING_PADDING_H

#include <stddef.h>
#include <stdint.h>

/* The room before the entry: suture-cc's `prefix16` form. */
#define PADDING_ROOM_SIZE 16
#define PADDING_NOP_SIZE 5

enum padding_form {
	PADDING_NONE,
	/* one 5-byte NOP (suture-cc's legacy nop5) or five 1-byte NOPs
	 * (gcc -fpatchable-function-entry=5) at the entry */
	PADDING_NOP5,
	/* 16 bytes of int3 (suture-cc) or of 1-byte NOPs (gcc
	 * -fpatchable-function-entry=16,16) before the entry, and a first
	 * instruction of 2 bytes or more */
	PADDING_ROOM,
};

struct padding {
	enum padding_form form;
	unsigned at;   /* offset in the function of the runtime's bytes: past endbr64 */
	unsigned len;  /* how many: the NOP, or the whole first instruction */
};

/* Reads the padding of the function whose SIZE bytes are CODE.  BEFORE
 * holds the PADDING_ROOM_SIZE bytes right before it, or is NULL when there
 * are none (the function starts its section).  Returns out->form. */
enum padding_form padding_read(const uint8_t *before, const uint8_t *code, size_t size,
			       struct padding *out);

/* "prefix16", "nop5" or "none": the names of docs/entry-padding.md. */
const char *padding_form_name(enum padding_form form);

#endif
