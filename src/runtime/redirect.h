/* Redirecting a function through its entry padding, atomically for a
 * whole patch, or thread by thread.
 *
 * Each replaced function F gets a slot in the patch's memory:
 *
 *     slot: cmpb $1, gate(%rip)      ; the patch's one gate byte
 *           je   TO                  ; gate 1: everyone runs the new version
 *           jb   FROM                ; gate 0: everyone the code callers reach today
 *           cmpb $0, %fs:UNIV        ; gate 2 (a `thread` transition): the
 *           je   FROM                ;   calling thread's universe byte
 *           jmp  TO                  ;   (universe.h) decides
 *
 * and the switch is three phases, every code write with all threads
 * stopped (`stop`, `none`), or made by a thread of the process while the
 * others run (`thread`, poke.h):
 *   1. F's padding := jmp slot   (means FROM while gate is 0: no change)
 *   2. gate := 1                 (one byte: every function switches at once)
 *      or gate := 2, then each thread's byte := 1 as it is found clean
 *      (transition_thread.c), then gate := 1 (no change any more)
 *   3. F's padding := jmp TO     (means what the gate says: no change)
 * Stopped anywhere (SIGKILL included), every thread runs either all old
 * or all new code, and the gate byte (and the thread's byte) says which.
 * Afterwards a call to F costs one direct jump.  Revert runs the phases
 * backwards with FROM and TO swapped; a padding whose target is the old
 * body gets its NOP back. */
#ifndef SUTURE_RUNTIME_REDIRECT_H
#define SUTURE_RUNTIME_REDIRECT_H

#include "runtime/proc.h"
#include "runtime/poke.h"
#include "runtime/room.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAD_LEN 5

struct redirect {
	uint64_t pad;           /* F's 5-byte entry padding, or its entry past endbr64
				 * in the room form (room.h) */
	uint8_t orig_pad[PAD_LEN];
	unsigned len;           /* the bytes at PAD no thread may be stopped inside */
	uint64_t room;          /* room form: the room's first byte; 0: NOP form */
	uint8_t orig_room[ROOM_JUMP];
	uint64_t stub;          /* room form: this patch's stub, the original code */
	uint64_t from, to;      /* gate 0 / gate 1 destinations */
	uint64_t slot;
};

/* Where F's original code starts for this redirection: past the NOP, or
 * the room form's stub. */
uint64_t redirect_original(const struct redirect *r);

/* Offset of the entry padding in a function's first bytes (after an
 * endbr64), or -1 when the function has none. */
int entry_padding(const uint8_t *code, size_t size);
/* Where a jump to a function with padding lands: past endbr64 and padding
 * (those only matter for indirect calls and for patching it). */
uint64_t skip_padding(uint64_t addr, const uint8_t *code, size_t size);

/* The first ROOM_STUB_OFF bytes of a slot at address SLOT (the rest is
 * the room form's stub, room.h). */
void slot_encode(uint8_t *out, uint64_t slot, uint64_t gate, uint64_t from, uint64_t to);

/* Points the padding at TARGET (the original bytes when TARGET is the
 * original code: redirect_original). */
int padding_point(struct proc *p, const struct redirect *r, uint64_t target);
/* The code writes padding_point makes, in the order it makes them (at
 * most 2, into OUT); their number. */
size_t padding_writes(const struct redirect *r, uint64_t target, struct poke out[2]);
int gate_write(struct proc *p, uint64_t gate, uint8_t value);

/* For tests: suture kills itself (SIGKILL) here when SUTURE_FAULT names
 * this point ("loaded", "phase1", "gate", "phase3"). */
void fault_point(const char *where);

/* The three phases over N redirects, switching the gate to GATE_TO. */
int redirect_switch(struct proc *p, const struct redirect *r, size_t n, uint64_t gate, uint8_t gate_to);
/* Phase 1 alone (paddings := jmp slot) and phase 3 alone (paddings :=
 * TO when TO_NEW, else FROM), for the `thread` model. */
int redirect_to_slots(struct proc *p, const struct redirect *r, size_t n);
int redirect_direct(struct proc *p, const struct redirect *r, size_t n, bool to_new);
/* The writes of phase 1 (TO_SLOTS) or phase 3 over N redirects, for
 * poke_run (the `thread` model); *NW of them, to free.  A room that gets
 * its original bytes back (int3) is not among them: a thread may stand at
 * the room's jump, having taken the entry's just before it was restored;
 * it is emptied once every thread has been seen out of it
 * (transition_rooms.c). */
struct poke *redirect_writes(const struct redirect *r, size_t n, bool to_slots, bool to_new, size_t *nw);
/* Does phase 3 towards TO_NEW empty rooms?  And their bytes back. */
bool redirect_empties_rooms(const struct redirect *r, size_t n, bool to_new);
int redirect_empty_rooms(struct proc *p, const struct redirect *r, size_t n, bool to_new);

#endif
