/* What suture-cc does to the assembly cc1 writes, before `as` sees it:
 * the entry padding in suture's form (docs/entry-padding.md), and the unit
 * record appended. */
#ifndef SUTURE_CC_ASM_REWRITE_H
#define SUTURE_CC_ASM_REWRITE_H

#include "cc/entry_form.h"
#include "common/util.h"

#include <stddef.h>

/* The NOP GCC's -fpatchable-function-entry=5 would spread over five
 * instructions, as one: `nopl 0x0(%rax,%rax,1)`. */
#define NOP5_DIRECTIVE "\t.byte\t0x0f, 0x1f, 0x44, 0x00, 0x00\n"

/* The prefix room: int3, which nobody executes (docs/entry-padding.md). */
#define ROOM_DIRECTIVE "\t.fill\t%u, 1, 0xcc\n"

/* Copies the assembly ASM to OUT with the `nop` lines GCC writes for FORM
 * after each `.LPFE<n>:` label rewritten: NOP5_DIRECTIVE for the legacy
 * form; for the prefix room ROOM_DIRECTIVE, and the function's first
 * instruction made 2 bytes long or more (asm_first_insn.h).  Each
 * `__patchable_function_entries` record is linked to its own function's
 * section.  Returns how many entries were rewritten. */
size_t asm_rewrite_padding(const char *asm_text, const struct entry_form *form,
			   struct buf *out);

/* The source file named by the first `.file "NAME"` directive (GCC's main
 * input, as given), malloc'd; NULL when there is none. */
char *asm_source_name(const char *asm_text);

/* Appends to OUT the directives that put RECORD (SIZE bytes, its final NUL
 * included) into the `.suture.units` section. */
void asm_append_record(struct buf *out, const char *record, size_t size);

#endif
