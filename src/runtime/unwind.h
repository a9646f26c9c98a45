/* Where every thread is: the code addresses on each thread's stack, its
 * current position included, read with libdw while the threads are
 * stopped. */
#ifndef SUTURE_RUNTIME_UNWIND_H
#define SUTURE_RUNTIME_UNWIND_H

#include "runtime/proc.h"

#include <stdbool.h>
#include <stdint.h>

/* Called for each frame; return true to stop unwinding that thread. */
typedef bool (*frame_fn)(pid_t tid, uint64_t pc, bool innermost, void *arg);

struct unwinder;

/* Reports the modules of P (done before the threads stop: it reads files). */
struct unwinder *unwinder_new(struct proc *p);
/* Walks every thread's stack (all threads must be stopped). */
int unwinder_walk(struct unwinder *u, frame_fn fn, void *arg);
void unwinder_free(struct unwinder *u);

#endif
