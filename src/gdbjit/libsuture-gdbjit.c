/* The library suture loads into a patched process so that gdb knows the
 * patch's code (docs/runtime.md, "gdb and patch code").  It holds only
 * the two symbols of GDB's JIT interface; suture fills the descriptor's
 * list from outside, with the process stopped; a gdb that attaches reads
 * it, and would hear of later changes at __jit_debug_register_code()
 * (suture does not call it: no gdb can be attached while suture, a
 * tracer too, works).  Nothing here runs on its own. */
#include "jit_abi.h"

#define EXPORT __attribute__((visibility("default"), used))

EXPORT struct jit_descriptor __jit_debug_descriptor = { 1, JIT_NOACTION, 0, 0 };

/* gdb breaks here; the body must stay (noinline, and not folded away). */
EXPORT __attribute__((noinline, noipa)) void __jit_debug_register_code(void)
{
	__asm__ volatile("" ::: "memory");
}
