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
#include "runtime/maps.h"
#include "common/error.h"
#include "common/util.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

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

int remote_call(struct proc *p, struct thread *t, uint64_t fn, uint64_t *ret)
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
			return err_set("process %d exited while suture was working in it; nothing to undo", p->pid);
		if (thread_get_regs(t, &regs) < 0)
			return -1;
		if (WSTOPSIG(status) == SIGTRAP && (status >> 16) == 0 && regs.rip == p->int3_insn + 1)
			break;
	}
	*ret = regs.rax;
	return thread_set_regs(t, &saved);
}

int remote_syscall(struct proc *p, struct thread *t, long nr, const long args[6], long *ret)
{
	if (find_syscall_insn(p) < 0)
		return -1;
	struct user_regs_struct saved, regs;
	if (thread_get_regs(t, &saved) < 0)
		return -1;
	regs = saved;
	regs.rax = (unsigned long)nr;
	regs.orig_rax = (unsigned long)-1;
	regs.rdi = (unsigned long)args[0];
	regs.rsi = (unsigned long)args[1];
	regs.rdx = (unsigned long)args[2];
	regs.r10 = (unsigned long)args[3];
	regs.r8 = (unsigned long)args[4];
	regs.r9 = (unsigned long)args[5];
	regs.rip = p->syscall_insn;
	if (thread_set_regs(t, &regs) < 0)
		return -1;
	for (;;) {
		if (ptrace(PTRACE_SINGLESTEP, t->tid, 0, 0) != 0)
			return err_set_errno("cannot run a system call in thread %d of process %d", t->tid, p->pid);
		int status;
		if (thread_wait(p, t, &status, true) < 0)
			return err_set("process %d exited while suture was working in it; nothing to undo", p->pid);
		if (thread_get_regs(t, &regs) < 0)
			return -1;
		if (regs.rip == p->syscall_insn + 2)
			break;
		/* a pending interrupt or signal stop came first: step again */
		regs.rip = p->syscall_insn;
	}
	*ret = (long)regs.rax;
	return thread_set_regs(t, &saved);
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
