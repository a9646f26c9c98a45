/* A patch's callbacks (<suture/patch.h>): functions of the patch run
 * inside the target process, each in a thread of its own
 * (thread_call.h) while the program's threads keep running:
 *   pre-patch     int fn(void), after loading, before the switch; non-zero
 *                 refuses the patch
 *   post-patch    void fn(void), after the switch
 *   pre-unpatch   void fn(void), before the revert's switch
 *   post-unpatch  void fn(void), after it, before the patch's memory is freed
 * A callback that has not returned within the timeout is an error; it is
 * left running, and its patch's memory is never freed (im->pinned). */
#ifndef SUTURE_RUNTIME_CALLBACKS_H
#define SUTURE_RUNTIME_CALLBACKS_H

#include "runtime/loader.h"
#include "runtime/proc.h"

#include <stdbool.h>

/* Runs the callbacks of KIND of a loaded image, borrowing *T (seized and
 * stopped; seized and stopped again on return); a pre-patch callback
 * returning non-zero is an error naming it. */
int callbacks_run(struct image *im, struct proc *p, struct thread **t, uint32_t kind, double timeout);
/* The address of the first callback of KIND, or 0 (kept in the state for
 * revert). */
uint64_t callback_addr(const struct image *im, uint32_t kind);
/* Runs the callback at ADDR (0: none) of patch PATCH, KIND naming it
 * ("pre-unpatch"), borrowing *T as callbacks_run does; *STILL_RUNNING
 * when it timed out (its code must stay). */
int callback_run_addr(struct proc *p, struct thread **t, uint64_t addr, const char *patch,
		      const char *kind, double timeout, bool *still_running);

#endif
