/* The first instruction of a function with the prefix room must be at
 * least 2 bytes long, so that the runtime can replace exactly it by a
 * 2-byte jump into the room (docs/entry-padding.md).  GCC's assembly names
 * instructions, not their sizes: the 1-byte ones are known by mnemonic and
 * written in an equivalent longer encoding. */
#ifndef SUTURE_CC_ASM_FIRST_INSN_H
#define SUTURE_CC_ASM_FIRST_INSN_H

#include "common/util.h"

#include <stddef.h>

/* TEXT starts right after a function's room.  Copies to OUT the lines up to
 * and including the function's first instruction (labels, directives and
 * endbr64 before it unchanged), that instruction written in at least 2
 * bytes.  Returns how many bytes of TEXT were consumed. */
size_t asm_first_insn(const char *text, struct buf *out);

#endif
