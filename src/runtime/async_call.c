/* A call made by a thread suture does not hold (see async_call.h). */
#include "runtime/async_call.h"
#include "runtime/inject.h"
#include "runtime/redirect.h"
#include "runtime/trampoline.h"
#include "common/error.h"
#include "common/util.h"

#include <cpuid.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096ull
#define PIECE_OFF 256           /* a piece of code given by the caller */
#define XSAVE_OFF 1024          /* in the data page: the thread's FPU/SSE/AVX state (64-byte aligned) */

/* The data page, after the code: what the runner reads and writes. */
struct runner_data {
	uint64_t save[17];      /* the thread's registers (tramp_values) */
	uint64_t result;
	uint32_t done;
	uint32_t pad;
	uint64_t fn;
	uint64_t args[2];
};

/* An instruction with a RIP-relative operand at offset TARGET (from the
 * page's start): its bytes before the displacement, and after. */
static size_t emit_rip(uint8_t *code, size_t at, const char *op, size_t oplen, size_t target, const void *imm,
		       size_t immlen)
{
	memcpy(code + at, op, oplen);
	int32_t disp = (int32_t)((int64_t)target - (int64_t)(at + oplen + 4 + immlen));
	memcpy(code + at + oplen, &disp, 4);
	if (immlen)
		memcpy(code + at + oplen + 4, imm, immlen);
	return at + oplen + 4 + immlen;
}

/* The size of the FPU/SSE/AVX state xsave writes (CPUID leaf 0xd), or
 * 0 when the system does not use xsave (fxsave's 512 bytes then). */
static size_t xsave_size(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
		return 0;
	__cpuid_count(0xd, 0, a, b, c, d);
	return b;
}

/* xsave64/xrstor64 (all the state the system enables: edx:eax = ~0), or
 * fxsave64/fxrstor64, of the area at TARGET. */
static size_t emit_fpu(uint8_t *code, size_t at, bool restore, size_t target)
{
	static const char all[] = "\xb8\xff\xff\xff\xff\xba\xff\xff\xff\xff";
	bool xsave = xsave_size() != 0;
	if (xsave) {
		memcpy(code + at, all, 10);
		at += 10;
	}
	const char *op = xsave ? (restore ? "\x48\x0f\xae\x2d" : "\x48\x0f\xae\x25")
			       : (restore ? "\x48\x0f\xae\x0d" : "\x48\x0f\xae\x05");
	return emit_rip(code, at, op, 4, target, NULL, 0);
}

/*     pushfq; sub $8,%rsp          (the call is made on a 16-byte boundary)
 *     xsave the FPU/SSE/AVX state  (the function may use any of it)
 *     mov args[0],%rdi; mov args[1],%rsi; call *fn
 *     mov %rax,result; xrstor the state; movl $1,done
 *     add $8,%rsp; popfq
 *     every register and the place back (trampoline.h) */
static void write_runner(uint8_t *code, size_t data)
{
	const uint32_t one = 1;
	size_t at = 0;
	memcpy(code, "\x9c\x48\x83\xec\x08", 5);
	at = 5;
	at = emit_fpu(code, at, false, data + XSAVE_OFF);
	at = emit_rip(code, at, "\x48\x8b\x3d", 3, data + offsetof(struct runner_data, args), NULL, 0);
	at = emit_rip(code, at, "\x48\x8b\x35", 3, data + offsetof(struct runner_data, args) + 8, NULL, 0);
	at = emit_rip(code, at, "\xff\x15", 2, data + offsetof(struct runner_data, fn), NULL, 0);
	at = emit_rip(code, at, "\x48\x89\x05", 3, data + offsetof(struct runner_data, result), NULL, 0);
	at = emit_fpu(code, at, true, data + XSAVE_OFF);
	at = emit_rip(code, at, "\xc7\x05", 2, data + offsetof(struct runner_data, done), &one, 4);
	memcpy(code + at, "\x48\x83\xc4\x08\x9d", 5);
	at += 5;
	tramp_emit_restore(code, at, data + offsetof(struct runner_data, save));
}

/* The data part: the runner's notes, then the FPU state. */
static uint64_t data_size(void)
{
	size_t fpu = xsave_size() ? xsave_size() : 512;
	return (XSAVE_OFF + fpu + PAGE - 1) & ~(PAGE - 1);
}

/* Maps the runner (and the piece) read-execute, the data page after it
 * read-write: BASE, and the size of the code part. */
static int map_runner(struct proc *p, struct thread *t, const void *piece, size_t len, uint64_t *base,
		      uint64_t *code_size)
{
	*code_size = (PIECE_OFF + len + PAGE - 1) & ~(PAGE - 1);
	if (remote_mmap(p, t, 0, *code_size + data_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, base) < 0)
		return -1;
	uint8_t *code = xcalloc(1, *code_size);
	memset(code, 0xcc, *code_size);
	write_runner(code, *code_size);
	if (piece)
		memcpy(code + PIECE_OFF, piece, len);
	int rc = mem_write(p, *base, code, *code_size);
	free(code);
	if (rc == 0)
		rc = remote_mprotect(p, t, *base, *code_size, PROT_READ | PROT_EXEC);
	if (rc < 0)
		remote_munmap(p, t, *base, *code_size + data_size());
	return rc;
}

/* Waits until the runner notes it is done: its result, or -1. */
static int wait_done(struct proc *p, uint64_t data, double timeout, uint64_t *ret)
{
	double deadline = mono_now() + timeout;
	for (int spins = 0;; spins++) {
		struct runner_data d;
		if (mem_read(p, data, &d, sizeof d) < 0)
			return -1;
		if (d.done) {
			*ret = d.result;
			return 0;
		}
		if (!proc_alive(p))
			return err_set("process %d exited during a call suture made in it", p->pid);
		if (mono_now() >= deadline)
			return err_set("a call suture made in process %d did not return within %g s", p->pid, timeout);
		/* short calls end in microseconds; the thread's events are
		 * served while longer ones run */
		if (spins < 100)
			sched_yield();
		else
			proc_serve_events(p, mono_now() + 0.0005, NULL);
	}
}

/* Once T is out of the runner's pages, they go. */
static void unmap_when_out(struct proc *p, struct thread *t, uint64_t base, uint64_t size)
{
	for (int tries = 0; tries < 1000; tries++) {
		struct user_regs_struct regs;
		if (thread_hold(p, t) < 0 || thread_get_regs(t, &regs) < 0)
			break;
		if (regs.rip < base || regs.rip >= base + size) {
			remote_munmap(p, t, base, size);
			break;
		}
		thread_defer_held_signal(t);
		thread_resume(t);
		proc_serve_events(p, mono_now() + 0.0002, NULL);
	}
	t->defer_signals = false;
	thread_resume(t);   /* with the signals that waited */
}

int async_call(struct proc *p, struct thread *t, uint64_t fn, const void *code, size_t len,
	       const uint64_t args[2], double timeout, uint64_t *ret)
{
	uint64_t base, code_size;
	if (map_runner(p, t, fn ? NULL : code, fn ? 0 : len, &base, &code_size) < 0)
		return -1;
	/* held first: whether it is stopped by SIGSTOP is known only once
	 * its pending events are served (a SIGSTOP sent just before suture
	 * seized it turns into a group stop only then) */
	int rc = thread_hold(p, t);
	if (rc == 0 && t->group_stop) {
		/* a thread of a process stopped by SIGSTOP only listens: the
		 * call is made while suture holds it (inject.h) */
		rc = remote_call_args(p, t, fn ? fn : base + PIECE_OFF, args, ret);
		remote_munmap(p, t, base, code_size + data_size());
		return rc;
	}
	struct runner_data d = { .fn = fn ? fn : base + PIECE_OFF, .args = { args[0], args[1] } };
	struct user_regs_struct regs;
	if (rc == 0)
		rc = thread_get_regs(t, &regs);
	if (rc == 0) {
		tramp_values(&regs, d.save);
		rc = mem_write(p, base + code_size, &d, sizeof d);
	}
	if (rc == 0) {
		/* below the red zone, 16-byte aligned; no system call to restart */
		regs.rsp = (regs.rsp - 128 - 512) & ~(uint64_t)15;
		regs.rip = base;
		regs.orig_rax = (unsigned long)-1;
		rc = thread_set_regs(t, &regs);
	}
	if (rc < 0) {
		thread_resume(t);
		remote_munmap(p, t, base, code_size + data_size());
		return -1;
	}
	/* from now on its signals wait for the end of the call: a handler
	 * would return into the runner's pages (events.c, ptrace.c) */
	t->defer_signals = true;
	thread_defer_held_signal(t);
	thread_resume(t);
	fault_point("async");   /* tests: suture dies while the thread runs the call */
	if (wait_done(p, base + code_size, timeout, ret) < 0) {
		/* it may still run in the pages: they stay; its signals are
		 * sent when it is next let go */
		t->defer_signals = false;
		return -1;
	}
	unmap_when_out(p, t, base, code_size + data_size());
	return 0;
}
