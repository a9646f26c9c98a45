/* The runner's layout (async_call.h), shared by the calls made by a
 * running thread (async_call.c) and by a thread of a process stopped by
 * SIGSTOP (stopped_call.c).
 *
 * Code at the runner's start, the system-call stub at SYSCALL_OFF, the
 * piece of code a caller gives at PIECE_OFF; after the code part (its
 * size p->runner_code) the data page: struct runner_data, then the
 * thread's FPU state at XSAVE_OFF. */
#ifndef SUTURE_RUNTIME_RUNNER_H
#define SUTURE_RUNTIME_RUNNER_H

#include "runtime/proc.h"

#include <stdint.h>
#include <sys/user.h>

#define SYSCALL_OFF 384         /* the system-call stub */
#define PIECE_OFF 512           /* a piece of code given by the caller */
#define XSAVE_OFF 1024          /* in the data page: the FPU/SSE/AVX state (64-byte aligned) */

struct runner_data {
	uint64_t save[17];      /* the thread's registers (tramp_values) */
	uint64_t result;
	uint32_t done;
	uint32_t left;          /* 1: the thread is one instruction from leaving */
	uint64_t fn;
	uint64_t args[7];       /* rdi rsi rdx rcx r8 r9, then rax */
	/* stop_sig not 0: once done, the thread sends itself that signal
	 * (tgkill(stop_pid, stop_tid, stop_sig)), one the program ignores,
	 * which stops it while traced and does nothing else */
	uint32_t stop_pid, stop_tid, stop_sig;
};

/* Sends held thread T (its registers REGS) into the runner for the call
 * D describes: REGS kept in D (the runner gives them back at the end), D
 * written to the data page, T pointed at the runner on a frame of its
 * own.  T stays held. */
int runner_enter(struct proc *p, struct thread *t, struct runner_data *d, const struct user_regs_struct *regs);

/* The call D describes, made by T of a process stopped by SIGSTOP (T
 * held, REGS its registers, the runner and D's piece written): T runs
 * it on its own and stops at its end, and is held again, as it was,
 * after.  *RET gets the result.  1 when it cannot be made so (every
 * signal that could stop it is caught or blocked): nothing was done. */
int stopped_call(struct proc *p, struct thread *t, struct runner_data *d, const struct user_regs_struct *regs,
		 double timeout, uint64_t *ret);

#endif
