/* What suture-cc does to the assembly cc1 writes, before `as` sees it:
 * one 5-byte NOP for the entry padding, and the unit record appended. */
#ifndef SUTURE_CC_ASM_REWRITE_H
#define SUTURE_CC_ASM_REWRITE_H

#include "common/util.h"

#include <stddef.h>

/* The NOP GCC's -fpatchable-function-entry=5 would spread over five
 * instructions, as one: `nopl 0x0(%rax,%rax,1)`. */
#define NOP5_DIRECTIVE "\t.byte\t0x0f, 0x1f, 0x44, 0x00, 0x00\n"

/* Copies the assembly ASM to OUT with the five `nop` lines that follow each
 * `.LPFE<n>:` label replaced by NOP5_DIRECTIVE, and each function's
 * `__patchable_function_entries` record linked to that function's own
 * section.  Returns how many entries were rewritten. */
size_t asm_rewrite_padding(const char *asm_text, struct buf *out);

/* The source file named by the first `.file "NAME"` directive (GCC's main
 * input, as given), malloc'd; NULL when there is none. */
char *asm_source_name(const char *asm_text);

/* Appends to OUT the directives that put RECORD (SIZE bytes, its final NUL
 * included) into the `.suture.units` section. */
void asm_append_record(struct buf *out, const char *record, size_t size);

#endif
