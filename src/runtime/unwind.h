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
/* Called after a thread's walk that FRAME_FN did not stop: LAST_PC is its
 * outermost frame seen (0 if none), COMPLETE says the walk reached the
 * start of the stack; otherwise it ended in an error (no unwind
 * information there, unreadable memory, a loop) and what lies below
 * LAST_PC is unknown. */
typedef void (*walk_end_fn)(pid_t tid, uint64_t last_pc, bool complete, void *arg);

struct unwinder;

/* Reports the modules of P (done before the threads stop: it reads files). */
struct unwinder *unwinder_new(struct proc *p);
/* Loads the unwind tables of every object of the process, so that no
 * thread waits for them while it is stopped for its walk (no thread need
 * be stopped for this). */
void unwinder_warm(struct unwinder *u);
/* A walk of T, running again, from REGS (read during its last stop), its
 * result ignored: the first walk through each object reads its tables,
 * which then cost the thread nothing when it is stopped to be checked. */
void unwinder_warm_thread(struct unwinder *u, struct thread *t, const struct user_regs_struct *regs);
/* Walks every thread's stack (all threads must be stopped). */
int unwinder_walk(struct unwinder *u, frame_fn fn, walk_end_fn end, void *arg);
/* Walks the stack of one stopped thread T whose registers are REGS;
 * STACK_PAGE, if not NULL, is the page of its stack pointer, read since
 * it stopped. */
int unwinder_walk_thread(struct unwinder *u, struct thread *t, const struct user_regs_struct *regs,
			 const uint8_t *stack_page, frame_fn fn, walk_end_fn end, void *arg);
void unwinder_free(struct unwinder *u);
/* Adds a module libdw cannot find in the maps (a patch's memory): the ELF
 * file FD (consumed), loaded at BASE; before the first walk. */
void unwinder_add_module(struct unwinder *u, const char *name, int fd, uint64_t base);

#endif
