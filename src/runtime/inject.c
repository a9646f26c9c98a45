/* Remote system calls.
 *
 * The thread is pointed at a `syscall` instruction that already exists in
 * the process (any executable mapping has the bytes 0f 05 somewhere; no
 * code is written), single-stepped over it, and given all its registers
 * back.  orig_rax is set to -1 meanwhile so the kernel does not apply the
 * restart logic of the system call the thread was interrupted in to ours;
 * restoring the saved orig_rax and rax afterwards lets that system call
 * restart (or return EINTR) exactly as it would have without us. */
#include "runtime/inject.h"
#include "runtime/async_call.h"
#include "runtime/maps.h"
#include "runtime/trampoline.h"
#include "common/error.h"
#include "common/util.h"

#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

/* the longest a system call or call made through a thread may take */
#define CALL_LIMIT 30.0

/* The first address in an executable mapping holding the bytes NEEDLE. */
static uint64_t find_code_bytes(struct proc *p, const char *needle, size_t len)
{
	struct maps m;
	if (maps_read(p->pid, &m) < 0)
		return 0;
	static unsigned char chunk[65536];
	uint64_t found = 0;
	for (size_t i = 0; i < m.n && !found; i++) {
		const struct map *mp = &m.v[i];
		if (mp->perms[2] != 'x' || strcmp(mp->path, "[vsyscall]") == 0)
			continue;
		for (uint64_t a = mp->start; a < mp->end && !found; a += sizeof chunk - len) {
			size_t n = mp->end - a < sizeof chunk ? mp->end - a : sizeof chunk;
			if (mem_read(p, a, chunk, n) < 0)
				break;
			unsigned char *hit = memmem(chunk, n, needle, len);
			if (hit)
				found = a + (uint64_t)(hit - chunk);
		}
	}
	maps_free(&m);
	return found;
}

static int find_syscall_insn(struct proc *p)
{
	if (p->syscall_insn)
		return 0;
	p->syscall_insn = find_code_bytes(p, "\x0f\x05", 2);
	if (!p->syscall_insn)
		return err_set("process %d has no syscall instruction to borrow; cannot allocate memory in it",
			       p->pid);
	return 0;
}

static int remote_call_int3(struct proc *p, struct thread *t, uint64_t fn, const uint64_t args[2],
			    uint64_t *ret)
{
	if (!p->int3_insn)
		p->int3_insn = find_code_bytes(p, "\xcc", 1);
	if (!p->int3_insn)
		return err_set("process %d has no int3 byte to return to; cannot call into it", p->pid);
	struct user_regs_struct saved, regs;
	if (thread_get_regs(t, &saved) < 0)
		return -1;
	regs = saved;
	/* below the red zone, 16-byte aligned at the call, returning to an int3 */
	regs.rsp = ((saved.rsp - 128 - 512) & ~(uint64_t)15) - 8;
	if (mem_write(p, regs.rsp, &p->int3_insn, 8) < 0)
		return -1;
	regs.rip = fn;
	regs.rax = 0;
	regs.rdi = args[0];
	regs.rsi = args[1];
	regs.orig_rax = (unsigned long)-1;
	if (thread_set_regs(t, &regs) < 0)
		return -1;
	for (int tries = 0;; tries++) {
		if (tries > 64) {
			thread_set_regs(t, &saved);
			return err_set("a function called in process %d did not return", p->pid);
		}
		if (ptrace(PTRACE_CONT, t->tid, 0, 0) != 0)
			return err_set_errno("cannot run thread %d of process %d", t->tid, p->pid);
		int status;
		if (thread_wait(p, t, &status, true) < 0)
			return err_proc_exited(p);
		if (thread_get_regs(t, &regs) < 0)
			return -1;
		if (WSTOPSIG(status) == SIGTRAP && (status >> 16) == 0 && regs.rip == p->int3_insn + 1)
			break;
	}
	*ret = regs.rax;
	return thread_set_regs(t, &saved);
}

void syscall_regs(struct user_regs_struct *regs, long nr, const long args[6], uint64_t at)
{
	regs->rax = (unsigned long)nr;
	regs->orig_rax = (unsigned long)-1;
	regs->rdi = (unsigned long)args[0];
	regs->rsi = (unsigned long)args[1];
	regs->rdx = (unsigned long)args[2];
	regs->r10 = (unsigned long)args[3];
	regs->r8 = (unsigned long)args[4];
	regs->r9 = (unsigned long)args[5];
	regs->rip = at;
}

static int remote_syscall_step(struct proc *p, struct thread *t, long nr, const long args[6], long *ret)
{
	if (find_syscall_insn(p) < 0)
		return -1;
	struct user_regs_struct saved, regs;
	if (thread_get_regs(t, &saved) < 0)
		return -1;
	regs = saved;
	syscall_regs(&regs, nr, args, p->syscall_insn);
	if (thread_set_regs(t, &regs) < 0)
		return -1;
	for (;;) {
		if (ptrace(PTRACE_SINGLESTEP, t->tid, 0, 0) != 0)
			return err_set_errno("cannot run a system call in thread %d of process %d", t->tid, p->pid);
		int status;
		if (thread_wait(p, t, &status, true) < 0)
			return err_proc_exited(p);
		if (thread_get_regs(t, &regs) < 0)
			return -1;
		if (regs.rip == p->syscall_insn + 2)
			break;
		/* a pending interrupt or signal stop came first: step again */
		regs = saved;
		syscall_regs(&regs, nr, args, p->syscall_insn);
		if (thread_set_regs(t, &regs) < 0)
			return -1;
	}
	*ret = (long)regs.rax;
	return thread_set_regs(t, &saved);
}

/* Runs T (pointed at the trampoline) until it leaves the trampoline's
 * system call; *regs gets its registers there. */
static int run_to_trampoline_exit(struct proc *p, struct thread *t, struct user_regs_struct *regs)
{
	int seen = 0;   /* stops at the trampoline's syscall: entry, then exit */
	/* signals may keep coming: a time limit, not a number of stops */
	double deadline = mono_now() + CALL_LIMIT;
	while (mono_now() < deadline) {
		if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) != 0)
			return err_set_errno("cannot run thread %d of process %d", t->tid, p->pid);
		int status;
		if (thread_wait(p, t, &status, false) < 0)
			return err_proc_exited(p);
		if (!WIFSTOPPED(status) || WSTOPSIG(status) != (SIGTRAP | 0x80) || (status >> 16) != 0)
			continue;   /* an interrupt or a signal (held for later) */
		if (thread_get_regs(t, regs) < 0)
			return -1;
		if (regs->rip == p->tramp + TRAMP_AFTER_SYSCALL && ++seen == 2)
			return 0;
	}
	return err_set("thread %d of process %d does not come back from a system call", t->tid, p->pid);
}

/* From a system-call stop the thread would return to user space without
 * the kernel's restart logic, so a system call it was interrupted in
 * would return -ERESTARTSYS to the program: it is made to stop once more
 * in the signal path (an interrupt), where the kernel restarts that
 * system call when the thread is resumed. */
int give_back_regs(struct proc *p, struct thread *t, const struct user_regs_struct *saved)
{
	if (thread_set_regs(t, saved) < 0)
		return -1;
	if (ptrace(PTRACE_INTERRUPT, t->tid, 0, 0) != 0 || ptrace(PTRACE_CONT, t->tid, 0, 0) != 0)
		return err_set_errno("cannot stop thread %d of process %d", t->tid, p->pid);
	double deadline = mono_now() + CALL_LIMIT;
	while (mono_now() < deadline) {
		int status;
		if (thread_wait(p, t, &status, false) < 0)
			return err_proc_exited(p);
		if ((status >> 16) == PTRACE_EVENT_STOP)
			return 0;
		/* a signal (now held) or another event came first */
		if (ptrace(PTRACE_CONT, t->tid, 0, 0) != 0)
			return err_set_errno("cannot run thread %d of process %d", t->tid, p->pid);
	}
	return err_set("thread %d of process %d does not stop", t->tid, p->pid);
}

static int syscall_in(struct proc *p, struct thread *t, long nr, const long args[6], long *ret)
{
	if (tramp_install(p) < 0)
		return -1;
	if (!p->tramp)
		return remote_syscall_step(p, t, nr, args, ret);
	struct user_regs_struct saved, regs;
	if (thread_get_regs(t, &saved) < 0 || tramp_save(p, &saved) < 0)
		return -1;
	regs = saved;
	syscall_regs(&regs, nr, args, p->tramp + TRAMP_ENTRY);
	if (thread_set_regs(t, &regs) < 0)
		return -1;
	if (run_to_trampoline_exit(p, t, &regs) < 0) {
		tramp_keep(p);   /* it may still be there */
		return -1;
	}
	*ret = (long)regs.rax;
	return give_back_regs(p, t, &saved);
}


/* The thread's FPU/SSE/AVX state: a function called in it may use any
 * of it (glibc's string functions use AVX), and the thread was stopped
 * anywhere. */
struct fpu_state {
	uint8_t bytes[16384] __attribute__((aligned(64)));
	struct iovec iov;
};

static int fpu_save(struct thread *t, struct fpu_state *f)
{
	f->iov = (struct iovec){ f->bytes, sizeof f->bytes };
	if (ptrace(PTRACE_GETREGSET, t->tid, NT_X86_XSTATE, &f->iov) == 0)
		return 0;
	f->iov.iov_len = 0;   /* no xsave: the legacy area */
	return ptrace(PTRACE_GETFPREGS, t->tid, 0, f->bytes) == 0 ? 0 : -1;
}

static void fpu_restore(struct thread *t, struct fpu_state *f)
{
	if (f->iov.iov_len)
		ptrace(PTRACE_SETREGSET, t->tid, NT_X86_XSTATE, &f->iov);
	else
		ptrace(PTRACE_SETFPREGS, t->tid, 0, f->bytes);
}

static int call_with_regs(struct proc *p, struct thread *t, uint64_t fn, const uint64_t args[2], uint64_t *ret);

static int call_in(struct proc *p, struct thread *t, uint64_t fn, const uint64_t args[2], uint64_t *ret)
{
	static struct fpu_state fpu;
	if (fpu_save(t, &fpu) < 0)
		return err_set_errno("cannot read the FPU state of thread %d of process %d", t->tid, p->pid);
	int rc = call_with_regs(p, t, fn, args, ret);
	if (!t->gone)
		fpu_restore(t, &fpu);
	return rc;
}

static int call_with_regs(struct proc *p, struct thread *t, uint64_t fn, const uint64_t args[2], uint64_t *ret)
{
	if (tramp_install(p) < 0)
		return -1;
	if (!p->tramp)
		return remote_call_int3(p, t, fn, args, ret);
	struct user_regs_struct saved, regs;
	if (thread_get_regs(t, &saved) < 0 || tramp_save(p, &saved) < 0)
		return -1;
	regs = saved;
	/* below the red zone, 16-byte aligned at the call, returning to the trampoline */
	regs.rsp = ((saved.rsp - 128 - 512) & ~(uint64_t)15) - 8;
	uint64_t ret_addr = p->tramp + TRAMP_CALL_RET;
	if (mem_write(p, regs.rsp, &ret_addr, 8) < 0)
		return -1;
	regs.rip = fn;
	regs.rax = 0;
	regs.rdi = args[0];
	regs.rsi = args[1];
	regs.orig_rax = (unsigned long)-1;
	if (thread_set_regs(t, &regs) < 0)
		return -1;
	if (run_to_trampoline_exit(p, t, &regs) < 0) {
		tramp_keep(p);   /* it may still be in the function, or there */
		return -1;
	}
	*ret = regs.rdi;
	return give_back_regs(p, t, &saved);
}

/* A thread suture lets run between its calls is stopped for one and let
 * go after it (no stop lasts longer than one call): 1 when T was
 * stopped here, 0 when it already was, -1 when it could not be. */
static int borrow(struct proc *p, struct thread *t)
{
	if (t->stopped)
		return 0;
	return thread_hold(p, t) < 0 ? -1 : 1;
}

static int give_back_after(struct thread *t, int borrowed, int rc)
{
	if (borrowed == 1)
		thread_resume(t);
	return rc;
}

/* A thread suture lets run makes its calls on its own (async_call.h), and
 * so does one of a process stopped by SIGSTOP (stopped_call.c), but for
 * the calls that map the runner. */
static bool calls_on_its_own(const struct proc *p, const struct thread *t)
{
	return (!t->stopped || t->group_stop) && !p->runner_busy && !p->runner_stuck;
}

int remote_syscall(struct proc *p, struct thread *t, long nr, const long args[6], long *ret)
{
	if (calls_on_its_own(p, t))
		return async_syscall(p, t, nr, args, ret);
	int borrowed = borrow(p, t);
	if (borrowed < 0)
		return -1;
	return give_back_after(t, borrowed, syscall_in(p, t, nr, args, ret));
}

int remote_call_args(struct proc *p, struct thread *t, uint64_t fn, const uint64_t args[2], uint64_t *ret)
{
	if (calls_on_its_own(p, t))
		return async_call(p, t, fn, NULL, 0, args, CALL_LIMIT, ret);
	int borrowed = borrow(p, t);
	if (borrowed < 0)
		return -1;
	return give_back_after(t, borrowed, call_in(p, t, fn, args, ret));
}

int remote_piece(struct proc *p, struct thread *t, const void *code, size_t len, double timeout, uint64_t *ret)
{
	static const uint64_t no_args[2];
	if (!calls_on_its_own(p, t))
		return 1;
	return async_call(p, t, 0, code, len, no_args, timeout, ret);
}

int remote_call(struct proc *p, struct thread *t, uint64_t fn, uint64_t *ret)
{
	static const uint64_t none[2];
	return remote_call_args(p, t, fn, none, ret);
}

int remote_mmap(struct proc *p, struct thread *t, uint64_t addr, uint64_t len, int prot,
		int flags, int fd, uint64_t *out)
{
	long args[6] = { (long)addr, (long)len, prot, flags, fd, 0 };
	long r;
	if (remote_syscall(p, t, SYS_mmap, args, &r) < 0)
		return -1;
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return err_set_errno("cannot map %llu bytes in process %d", (unsigned long long)len, p->pid);
	}
	*out = (uint64_t)r;
	return 0;
}

int remote_munmap(struct proc *p, struct thread *t, uint64_t addr, uint64_t len)
{
	long args[6] = { (long)addr, (long)len, 0, 0, 0, 0 };
	long r;
	if (remote_syscall(p, t, SYS_munmap, args, &r) < 0)
		return -1;
	if (r < 0) {
		errno = (int)-r;
		return err_set_errno("cannot unmap patch memory in process %d", p->pid);
	}
	return 0;
}

int remote_mprotect(struct proc *p, struct thread *t, uint64_t addr, uint64_t len, int prot)
{
	long args[6] = { (long)addr, (long)len, prot, 0, 0, 0 };
	long r;
	if (remote_syscall(p, t, SYS_mprotect, args, &r) < 0)
		return -1;
	if (r < 0) {
		errno = (int)-r;
		return err_set_errno("cannot protect patch memory in process %d", p->pid);
	}
	return 0;
}
