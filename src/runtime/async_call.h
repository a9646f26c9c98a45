/* A call made by a thread of the target that suture does not hold.
 *
 * A remote call (inject.h) keeps its thread stopped from the start of the
 * call to its end, and suture wakes at each system call the function
 * makes.  Here the thread is stopped once, for a moment: suture writes its
 * registers into a page of its own in the target, points it at a runner
 * there, and lets it go.  The runner calls FN(A0, A1), notes the result and
 * that it is done, and gives the thread back every register (flags
 * included) and its place, as the trampoline does (trampoline.h); suture
 * reads the note.  If suture dies meanwhile nothing is lost: the thread
 * finishes the call and carries on.  The pages are unmapped once the
 * thread is seen out of them.
 *
 * So the thread is held a few tens of microseconds, not for the whole
 * call: how code is changed under running threads (poke.h) and how a
 * patch's unwind tables are registered (patch_unwind.h). */
#ifndef SUTURE_RUNTIME_ASYNC_CALL_H
#define SUTURE_RUNTIME_ASYNC_CALL_H

#include "runtime/proc.h"

#include <stdint.h>

/* FN(ARGS[0], ARGS[1]) made by seized thread T (running or stopped; it is
 * left running), the code it runs given as CODE (LEN bytes) when FN is 0:
 * the piece is then called instead (its address is the start of a page).
 * *RET gets what it returned.  -1 when it could not be started, or did
 * not return within TIMEOUT seconds (its pages are then left mapped). */
int async_call(struct proc *p, struct thread *t, uint64_t fn, const void *code, size_t len,
	       const uint64_t args[2], double timeout, uint64_t *ret);

#endif
