/* System calls made by a thread of the target on our behalf.
 *
 * The thread is seized.  If it is stopped, it stays stopped; if suture
 * let it run (thread_resume), it is stopped for the call alone and let go
 * after it, so that borrowing a thread for a series of calls never holds
 * it longer than one of them. */
#ifndef SUTURE_RUNTIME_INJECT_H
#define SUTURE_RUNTIME_INJECT_H

#include "runtime/proc.h"

/* Runs syscall NR with up to six arguments in thread T , and
 * restores every register afterwards, orig_rax included, so that a system
 * call T was blocked in restarts as if nothing happened.  The thread's
 * stack is not touched (no red zone issue).  *ret gets the raw result
 * (-errno on failure). */
int remote_syscall(struct proc *p, struct thread *t, long nr, const long args[6], long *ret);

/* REGS set up to run system call NR(ARGS) at the `syscall` instruction
 * AT, the other registers kept.  orig_rax -1 keeps the kernel from
 * treating the thread's interrupted call as one to restart. */
void syscall_regs(struct user_regs_struct *regs, long nr, const long args[6], uint64_t at);

/* Gives stopped thread T the registers SAVED back, and leaves it held in
 * a stop where a system call it was interrupted in restarts when it
 * goes on. */
int give_back_regs(struct proc *p, struct thread *t, const struct user_regs_struct *saved);

/* Calls FN() in thread T  on a scratch frame below its red zone,
 * and gives T all its registers back; *ret gets what FN returned. */
int remote_call(struct proc *p, struct thread *t, uint64_t fn, uint64_t *ret);
/* Same, FN(ARGS[0], ARGS[1]). */
int remote_call_args(struct proc *p, struct thread *t, uint64_t fn, const uint64_t args[2], uint64_t *ret);

/* CODE (LEN bytes of machine code, a function of no argument) run by T
 * on its own (async_call.h), *RET what it returned.  1 when T cannot
 * make calls on its own now (nothing was done): the caller makes them
 * one by one instead. */
int remote_piece(struct proc *p, struct thread *t, const void *code, size_t len, double timeout, uint64_t *ret);

/* mmap/munmap/mprotect in the target; remote_mmap returns the address or
 * sets an error naming the process. */
int remote_mmap(struct proc *p, struct thread *t, uint64_t addr, uint64_t len, int prot,
		int flags, int fd, uint64_t *out);
int remote_munmap(struct proc *p, struct thread *t, uint64_t addr, uint64_t len);
int remote_mprotect(struct proc *p, struct thread *t, uint64_t addr, uint64_t len, int prot);

#endif
