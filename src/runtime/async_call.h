/* Calls and system calls made by a thread of the target that suture does
 * not hold.
 *
 * A remote call (inject.h) keeps its thread stopped from the start of the
 * call to its end, and suture wakes at each system call the function
 * makes: four stops and wake-ups for one system call.  Here the thread is
 * stopped once, for a moment: suture writes its registers into the
 * runner's data page in the target, points it at the runner, and lets it
 * go.  The runner calls FN(args) (or makes the system call), notes the
 * result and that it is done, gives the thread back every register
 * (flags and FPU state included) and its place, as the trampoline does
 * (trampoline.h), and notes that it left; suture reads the notes.  If
 * suture dies meanwhile nothing is lost: the thread finishes the call and
 * carries on.
 *
 * The runner is mapped at the first call and serves every later one of
 * the same suture run; proc_finish unmaps it (through the trampoline, by
 * the thread itself), so nothing stays in the process.
 *
 * So the thread is held a few tens of microseconds, not for the whole
 * call: how code is changed under running threads (poke.h), how a
 * patch's unwind tables are registered (patch_unwind.h), and every
 * system call suture makes through a thread it lets run (inject.h). */
#ifndef SUTURE_RUNTIME_ASYNC_CALL_H
#define SUTURE_RUNTIME_ASYNC_CALL_H

#include "runtime/proc.h"

#include <stdint.h>

/* FN(ARGS[0], ARGS[1]) made by seized thread T (running or stopped; it is
 * left running), the code it runs given as CODE (LEN bytes) when FN is 0:
 * the piece is then called instead (its address is the start of a page).
 * *RET gets what it returned.  -1 when it could not be started, or did
 * not return within TIMEOUT seconds (the runner is then left mapped). */
int async_call(struct proc *p, struct thread *t, uint64_t fn, const void *code, size_t len,
	       const uint64_t args[2], double timeout, uint64_t *ret);

/* System call NR(ARGS) made by seized thread T (running, left running);
 * *RET gets its raw result (-errno on failure). */
int async_syscall(struct proc *p, struct thread *t, long nr, const long args[6], long *ret);

/* DATA (LEN bytes, at most SCRATCH_ROOM) in the process for the next
 * call alone (a name it reads): *AT, in the runner's code part (after
 * any piece), else on a page mapped for it, *PAGE (0 if none), which
 * scratch_free unmaps. */
#define SCRATCH_ROOM 1024
int scratch_put(struct proc *p, struct thread *t, const void *data, size_t len, uint64_t *at, uint64_t *page);
void scratch_free(struct proc *p, struct thread *t, uint64_t page);

/* Unmaps the runner, if any (no thread may be held by anyone else). */
void runner_release(struct proc *p);

#endif
