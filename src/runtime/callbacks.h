/* A patch's callbacks (<suture/patch.h>): int fn(void) functions of the
 * patch run inside the target process, by a thread suture borrows
 * (remote_call), while the other threads keep running:
 *   pre-patch     after loading, before the switch; non-zero refuses the patch
 *   post-patch    after the switch
 *   pre-unpatch   before the revert's switch
 *   post-unpatch  after it, before the patch's memory is freed */
#ifndef SUTURE_RUNTIME_CALLBACKS_H
#define SUTURE_RUNTIME_CALLBACKS_H

#include "runtime/loader.h"
#include "runtime/proc.h"

/* Runs the callbacks of KIND of a loaded image in stopped thread T;
 * a pre-patch callback returning non-zero is an error naming it. */
int callbacks_run(struct image *im, struct proc *p, struct thread *t, uint32_t kind);
/* The address of the first callback of KIND, or 0 (kept in the state for
 * revert). */
uint64_t callback_addr(const struct image *im, uint32_t kind);
/* Runs the callback at ADDR (0: none) with one thread of P borrowed. */
int callback_run_addr(struct proc *p, uint64_t addr, const char *patch, const char *what);

#endif
