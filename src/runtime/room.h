/* The prefix room (docs/entry-padding.md): redirecting a function whose
 * padding lies before its entry, so that an unpatched call runs nothing
 * extra.
 *
 *     F - 16:   the room: int3 (suture-cc) or NOPs (gcc -fpatchable-
 *               function-entry=16,16); its first 5 bytes become `jmp slot`,
 *               later `jmp TO`
 *     F (+4):   after endbr64, the first instruction(s): their first 2
 *               bytes become `jmp rel8` back to the room
 *
 * Whoever still runs the old code (a thread in the old universe, the
 * slot's FROM) runs a stub instead: the displaced instructions, moved with
 * their PC-relative operands fixed, then a jump back past them.  Each patch
 * has its own stub in its slot (slot + ROOM_STUB_OFF), so its revert never
 * depends on another patch's memory.
 *
 * Safe by construction, or refused with the reason: the whole function is
 * decoded (capstone) and no direct jump may land strictly inside the
 * displaced bytes; a displaced `call` or `loop` is refused; the function
 * must be at least 2 bytes long.  suture-cc makes the first instruction 2
 * bytes or more, so exactly it is displaced; gcc's own padding may need
 * two. */
#ifndef SUTURE_RUNTIME_ROOM_H
#define SUTURE_RUNTIME_ROOM_H

#include <stddef.h>
#include <stdint.h>

#define ROOM_SIZE 16
#define ROOM_JUMP 5             /* the room bytes suture writes */
#define ROOM_STUB_OFF 40        /* the stub's place in a slot (redirect.c) */
#define ROOM_STUB_MAX 24

/* Is there a room in BEFORE (the ROOM_SIZE bytes before the function)? */
int room_present(const uint8_t *before);

/* Plans the redirection of the function at ADDR whose SIZE bytes (as
 * built: original bytes) are CODE, entry at offset AT (past endbr64):
 * *DISPLACED, the bytes of whole instructions replaced (2 or more).  Or
 * refuses, naming NAME and the reason. */
int room_plan(uint64_t addr, const uint8_t *code, size_t size, unsigned at, const char *name,
	      unsigned *displaced);

/* The stub at STUB for the DISPLACED bytes CODE that were at ENTRY: into
 * OUT (ROOM_STUB_MAX bytes).  The plan was made by room_plan. */
int room_stub(uint8_t *out, uint64_t stub, uint64_t entry, const uint8_t *code, unsigned displaced,
	      const char *name);

#endif
