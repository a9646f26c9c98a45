/* A call made by a thread suture does not hold (see async_call.h). */
#include "runtime/async_call.h"
#include "runtime/inject.h"
#include "runtime/maps.h"
#include "runtime/redirect.h"
#include "runtime/runner.h"
#include "runtime/trampoline.h"
#include "common/error.h"
#include "common/util.h"

#include <assert.h>
#include <cpuid.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096ull
#define PIECE_ROOM 16384        /* room for pieces in a new runner */
#define STUB_SYSCALL 1          /* as FN: the system-call stub */
#define OUT_TRIES 1000
#define OUT_WAIT 2.0            /* seconds a thread may take to leave suture's code */
#define SYSCALL_TIMEOUT 30.0

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
 * 0 when the system does not use xsave (fxsave's 512 bytes then).  Read
 * once: in a virtual machine each cpuid is a trip to the hypervisor. */
static size_t xsave_size(void)
{
	static size_t size = (size_t)-1;
	if (size != (size_t)-1)
		return size;
	unsigned a, b, c, d;
	size = 0;
	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE)) {
		__cpuid_count(0xd, 0, a, b, c, d);
		size = b;
	}
	return size;
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

/* The thread stops itself if stop_sig is set: tgkill(stop_pid,
 * stop_tid, stop_sig) (stopped_call.c); the registers it uses are all
 * restored after, the flags by popfq. */
static size_t emit_stop_self(uint8_t *code, size_t at, size_t data)
{
	at = emit_rip(code, at, "\x8b\x15", 2, data + offsetof(struct runner_data, stop_sig), NULL, 0);
	/* test %edx,%edx; je past the rest (6 + 6 + 5 + 2 bytes) */
	memcpy(code + at, "\x85\xd2\x74\x13", 4);
	at += 4;
	at = emit_rip(code, at, "\x8b\x3d", 2, data + offsetof(struct runner_data, stop_pid), NULL, 0);
	at = emit_rip(code, at, "\x8b\x35", 2, data + offsetof(struct runner_data, stop_tid), NULL, 0);
	_Static_assert(SYS_tgkill == 234, "the x86-64 number");
	memcpy(code + at, "\xb8\xea\x00\x00\x00\x0f\x05", 7);   /* mov $SYS_tgkill,%eax; syscall */
	return at + 7;
}

/*     pushfq; sub $8,%rsp          (the call is made on a 16-byte boundary)
 *     xsave the FPU/SSE/AVX state  (the function may use any of it)
 *     mov args[0..5],%rdi..%r9; mov args[6],%rax; call *fn
 *     mov %rax,result; xrstor the state; movl $1,done
 *     if stop_sig: tgkill(stop_pid, stop_tid, stop_sig)
 *     add $8,%rsp; popfq
 *     every register back, movl $1,left, and the place back (trampoline.h)
 * and at SYSCALL_OFF the stub: mov %rcx,%r10; syscall; ret */
static void write_runner(uint8_t *code, size_t data)
{
	static const char *const load_arg[7] = {
		"\x48\x8b\x3d", "\x48\x8b\x35", "\x48\x8b\x15", "\x48\x8b\x0d",
		"\x4c\x8b\x05", "\x4c\x8b\x0d", "\x48\x8b\x05",
	};
	const uint32_t one = 1;
	size_t at = 0;
	memcpy(code, "\x9c\x48\x83\xec\x08", 5);
	at = 5;
	at = emit_fpu(code, at, false, data + XSAVE_OFF);
	for (int i = 0; i < 7; i++)
		at = emit_rip(code, at, load_arg[i], 3, data + offsetof(struct runner_data, args) + 8 * (size_t)i,
			      NULL, 0);
	at = emit_rip(code, at, "\xff\x15", 2, data + offsetof(struct runner_data, fn), NULL, 0);
	at = emit_rip(code, at, "\x48\x89\x05", 3, data + offsetof(struct runner_data, result), NULL, 0);
	at = emit_fpu(code, at, true, data + XSAVE_OFF);
	at = emit_rip(code, at, "\xc7\x05", 2, data + offsetof(struct runner_data, done), &one, 4);
	at = emit_stop_self(code, at, data);
	memcpy(code + at, "\x48\x83\xc4\x08\x9d", 5);
	at += 5;
	at = tramp_emit_restore(code, at, data + offsetof(struct runner_data, save),
				data + offsetof(struct runner_data, left));
	assert(at <= SYSCALL_OFF);
	memcpy(code + SYSCALL_OFF, "\x49\x89\xca\x0f\x05\xc3", 6);
}

/* The data part: the runner's notes, then the FPU state. */
static uint64_t data_size(void)
{
	size_t fpu = xsave_size() ? xsave_size() : 512;
	return (XSAVE_OFF + fpu + PAGE - 1) & ~(PAGE - 1);
}

/* Holds T once it is out of the runner's code (it may be finishing an
 * earlier call: its last instructions); *REGS gets its registers.  Each
 * look stops it: it is given longer and longer to get out (on a busy
 * machine it may not even be on a CPU again by the next look). */
static int hold_out_of(struct proc *p, struct thread *t, uint64_t lo, uint64_t hi, struct user_regs_struct *regs)
{
	double deadline = mono_now() + OUT_WAIT, wait = 0.0002;
	while (mono_now() < deadline) {
		if (thread_hold(p, t) < 0 || thread_get_regs(t, regs) < 0)
			return -1;
		if (regs->rip < lo || regs->rip >= hi)
			return 0;
		/* its signals still wait: a handler would return there */
		thread_defer_held_signal(t);
		thread_resume(t);
		proc_serve_events(p, mono_now() + wait, NULL);
		wait = wait < 0.01 ? wait * 1.5 : 0.01;
	}
	return err_set("thread %d of process %d does not leave the code suture ran in it", t->tid, p->pid);
}

/* System call NR(ARGS) made by T on its own, its result not known: it
 * runs the trampoline's system call and restores itself (trampoline.h);
 * suture waits until it is out (the trampoline may be used or removed
 * next).  T is held on return (its signals sent once it is let go); 1
 * when it turns out to be stopped by SIGSTOP (nothing done). */
static int syscall_through_trampoline(struct proc *p, struct thread *t, long nr, const long args[6])
{
	struct user_regs_struct regs;
	if (hold_out_of(p, t, p->tramp, p->tramp + TRAMP_SIZE, &regs) < 0) {
		tramp_keep(p);
		return -1;
	}
	if (t->group_stop)
		return 1;
	if (tramp_save(p, &regs) < 0)
		return -1;
	syscall_regs(&regs, nr, args, p->tramp + TRAMP_ENTRY);
	if (thread_set_regs(t, &regs) < 0)
		return -1;
	t->defer_signals = true;
	thread_defer_held_signal(t);
	thread_resume(t);
	int rc = hold_out_of(p, t, p->tramp, p->tramp + TRAMP_SIZE, &regs);
	t->defer_signals = false;
	if (rc < 0)
		tramp_keep(p);
	return rc;
}

/* Does M show [AT, AT + SIZE) as one mapping with PERMS? */
static bool mapped_as(const struct maps *m, uint64_t at, uint64_t size, const char *perms)
{
	const struct map *r = maps_find(m, at);
	return r && r->start == at && r->end == at + size && strcmp(r->perms, perms) == 0;
}

/* The runner's pages mapped by T on its own (two stops of a few
 * microseconds, where a remote system call holds it for four wake-ups):
 * at a free place read from /proc/PID/maps, MAP_FIXED_NOREPLACE, and
 * found there afterwards.  1 when this cannot be done (the caller maps
 * them the slow way). */
static int map_runner_quick(struct proc *p, struct thread *t, uint64_t code_size, uint64_t *base)
{
	struct maps m;
	uint64_t want;
	if (!p->tramp || maps_read(p->pid, &m) < 0)
		return 1;
	int found = maps_find_near(&m, p->tramp, p->tramp + 1, code_size + data_size(), 0, &want);
	maps_free(&m);
	if (found < 0)
		return 1;
	const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE;
	const long code[6] = { (long)want, (long)code_size, PROT_READ | PROT_EXEC, flags, -1, 0 };
	const long data[6] = { (long)(want + code_size), (long)data_size(), PROT_READ | PROT_WRITE, flags, -1, 0 };
	bool was_stopped = t->stopped;
	int rc = syscall_through_trampoline(p, t, SYS_mmap, code);
	if (rc == 0)
		rc = syscall_through_trampoline(p, t, SYS_mmap, data);
	if (rc == 0 && !was_stopped)
		thread_resume(t);
	if (rc != 0 || maps_read(p->pid, &m) < 0)
		return rc < 0 ? -1 : 1;
	/* a place another thread took meanwhile is not ours: left as it is */
	bool code_ok = mapped_as(&m, want, code_size, "r-xp");
	bool data_ok = mapped_as(&m, want + code_size, data_size(), "rw-p");
	maps_free(&m);
	if (code_ok && data_ok) {
		*base = want;
		return 0;
	}
	if (code_ok)
		remote_munmap(p, t, want, code_size);
	if (data_ok)
		remote_munmap(p, t, want + code_size, data_size());
	return 1;
}

/* Maps the runner read-execute (its code part with room for a piece of
 * PIECE_LEN bytes), the data after it read-write; its system calls are
 * made the slow way, through the trampoline (inject.h). */
static int map_runner(struct proc *p, struct thread *t, size_t piece_len)
{
	uint64_t room = piece_len > PIECE_ROOM ? piece_len : PIECE_ROOM;
	uint64_t code_size = (PIECE_OFF + room + PAGE - 1) & ~(PAGE - 1), base = 0;
	p->runner_busy = true;
	int rc = map_runner_quick(p, t, code_size, &base);
	if (rc == 1) {
		rc = remote_mmap(p, t, 0, code_size + data_size(), PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, &base);
		if (rc == 0)
			rc = remote_mprotect(p, t, base, code_size, PROT_READ | PROT_EXEC);
		if (rc < 0 && base)
			remote_munmap(p, t, base, code_size + data_size());
	}
	if (rc == 0) {
		/* (written through /proc/PID/mem, which may write read-only pages) */
		uint8_t code[PIECE_OFF];
		memset(code, 0xcc, sizeof code);
		write_runner(code, code_size);
		rc = mem_write(p, base, code, sizeof code);
		if (rc < 0)
			remote_munmap(p, t, base, code_size + data_size());
	}
	p->runner_busy = false;
	if (rc == 0) {
		p->runner = base;
		p->runner_code = code_size;
		p->runner_thread = NULL;
	}
	return rc;
}

/* The data page is for one call at a time: the thread of the last one
 * must be out, if another thread comes now. */
static int last_thread_out(struct proc *p, struct thread *t)
{
	struct thread *last = p->runner_thread;
	if (!last || last == t || last->gone)
		return 0;
	bool was_stopped = last->stopped;
	struct user_regs_struct regs;
	if (hold_out_of(p, last, p->runner, p->runner + p->runner_code, &regs) < 0)
		return last->gone ? 0 : -1;
	if (!was_stopped)
		thread_resume(last);
	p->runner_thread = NULL;
	return 0;
}

/* A runner with room for a piece of LEN bytes, free for T. */
static int runner_ready(struct proc *p, struct thread *t, size_t len)
{
	if (p->runner_stuck)
		return err_set("a call suture made earlier in process %d did not return", p->pid);
	if (p->runner && PIECE_OFF + len > p->runner_code)
		runner_release(p);   /* too small for this piece */
	if (!p->runner && map_runner(p, t, len) < 0)
		return -1;
	return last_thread_out(p, t);
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
		/* short calls end in microseconds: looked at again soon (no
		 * spinning: suture may be first on the CPU the thread needs,
		 * proc.h); the thread's events are served meanwhile */
		proc_serve_events(p, mono_now() + (spins < 20 ? 0.00003 : 0.0005), NULL);
	}
}

/* Once T has restored itself (a few instructions after done), the
 * signals that came meanwhile are sent; until then they wait (a handler
 * would run with the registers half restored). */
static void signals_after_leaving(struct proc *p, struct thread *t, uint64_t data)
{
	for (int spins = 0; spins < OUT_TRIES; spins++) {
		uint32_t left = 0;
		if (mem_read(p, data + offsetof(struct runner_data, left), &left, 4) < 0)
			return;
		if (left) {
			t->defer_signals = false;
			if (!t->stopped)
				thread_send_deferred(t);
			return;
		}
		proc_serve_events(p, mono_now() + (spins < 20 ? 0.00003 : 0.0002), NULL);
	}
	/* still in: the next hold_out_of() waits for it */
}

int runner_enter(struct proc *p, struct thread *t, struct runner_data *d, const struct user_regs_struct *regs)
{
	tramp_values(regs, d->save);
	if (mem_write(p, p->runner + p->runner_code, d, sizeof *d) < 0)
		return -1;
	struct user_regs_struct call = *regs;
	/* below the red zone, 16-byte aligned; no system call to restart */
	call.rsp = (regs->rsp - 128 - 512) & ~(uint64_t)15;
	call.rip = p->runner;
	call.orig_rax = (unsigned long)-1;
	return thread_set_regs(t, &call);
}

/* FN (or the piece CODE, or the system-call stub) with ARGS, in T.  A T
 * stopped by SIGSTOP makes it too, and stays held (stopped_call.c); or,
 * when no signal can stop it after the call, it is made the slow way. */
static int call_in_runner(struct proc *p, struct thread *t, uint64_t fn, const void *code, size_t len,
			  const uint64_t args[7], double timeout, uint64_t *ret)
{
	if (runner_ready(p, t, code ? len : 0) < 0)
		return -1;
	uint64_t data = p->runner + p->runner_code;
	struct runner_data d = { .fn = fn == STUB_SYSCALL ? p->runner + SYSCALL_OFF : fn ? fn : p->runner + PIECE_OFF };
	memcpy(d.args, args, sizeof d.args);
	struct user_regs_struct regs;
	/* held first: whether it is stopped by SIGSTOP is known only once
	 * its pending events are served (a SIGSTOP sent just before suture
	 * seized it turns into a group stop only then) */
	int rc = hold_out_of(p, t, p->runner, p->runner + p->runner_code, &regs);
	if (rc == 0 && code)
		rc = mem_write(p, p->runner + PIECE_OFF, code, len);
	if (rc == 0 && t->group_stop) {
		/* it must not run on after the call: it stops itself */
		p->runner_thread = t;
		rc = stopped_call(p, t, &d, &regs, timeout, ret);
		if (rc != 1)
			return rc;
		p->runner_thread = NULL;
		p->runner_busy = true;   /* the slow way, while held (inject.h) */
		rc = fn == STUB_SYSCALL ? remote_syscall(p, t, (long)args[6], (const long *)args, (long *)ret)
					: remote_call_args(p, t, d.fn, args, ret);
		p->runner_busy = false;
		return rc;
	}
	if (rc == 0)
		rc = runner_enter(p, t, &d, &regs);
	if (rc < 0) {
		thread_resume(t);
		return -1;
	}
	p->runner_thread = t;
	/* from now on its signals wait for the end of the call: a handler
	 * would run in the middle of it (events.c, ptrace.c) */
	t->defer_signals = true;
	thread_defer_held_signal(t);
	thread_resume(t);
	fault_point("async");   /* tests: suture dies while the thread runs the call */
	if (wait_done(p, data, timeout, ret) < 0) {
		/* it may still run there: the runner stays, unused; its
		 * signals are sent when it is next let go */
		t->defer_signals = false;
		p->runner_stuck = true;
		return -1;
	}
	signals_after_leaving(p, t, data);
	return 0;
}

int async_call(struct proc *p, struct thread *t, uint64_t fn, const void *code, size_t len,
	       const uint64_t args[2], double timeout, uint64_t *ret)
{
	const uint64_t all[7] = { args[0], args[1] };
	return call_in_runner(p, t, fn, fn ? NULL : code, len, all, timeout, ret);
}

int async_syscall(struct proc *p, struct thread *t, long nr, const long args[6], long *ret)
{
	uint64_t all[7], result;
	for (int i = 0; i < 6; i++)
		all[i] = (uint64_t)args[i];
	all[6] = (uint64_t)nr;
	int rc = call_in_runner(p, t, STUB_SYSCALL, NULL, 0, all, SYSCALL_TIMEOUT, &result);
	*ret = (long)result;
	return rc;
}

int scratch_put(struct proc *p, struct thread *t, const void *data, size_t len, uint64_t *at, uint64_t *page)
{
	*page = 0;
	if (len > SCRATCH_ROOM)
		return err_set("internal: %zu bytes of scratch", len);
	/* (a piece as long as the whole room is never written with it) */
	if (!p->runner_busy && !p->runner_stuck && runner_ready(p, t, 0) == 0) {
		*at = p->runner + p->runner_code - SCRATCH_ROOM;
		return mem_write(p, *at, data, len);
	}
	err_clear();
	if (remote_mmap(p, t, 0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, page) < 0)
		return -1;
	*at = *page;
	if (mem_write(p, *at, data, len) == 0)
		return 0;
	scratch_free(p, t, *page);
	return -1;
}

void scratch_free(struct proc *p, struct thread *t, uint64_t page)
{
	if (page)
		remote_munmap(p, t, page, PAGE);
}

/* Unmaps [BASE, BASE + SIZE) through T, held: by T on its own if it ran
 * before (WAS_STOPPED false, and it runs again after), else while suture
 * holds it. */
static void unmap_pages(struct proc *p, struct thread *t, bool was_stopped, uint64_t base, uint64_t size)
{
	const long args[6] = { (long)base, (long)size };
	if (was_stopped || t->group_stop || !p->tramp || syscall_through_trampoline(p, t, SYS_munmap, args) == 1)
		remote_munmap(p, t, base, size);
	if (!was_stopped)
		thread_resume(t);   /* with the signals that waited */
}

/* Is the runner-shaped mapping at BASE one, and no thread in it (it was
 * never used, or the thread of its last call left)? */
static bool idle_runner(struct proc *p, uint64_t base, uint64_t code_size)
{
	uint8_t want[PIECE_OFF], got[PIECE_OFF];
	struct runner_data d;
	memset(want, 0xcc, sizeof want);
	write_runner(want, code_size);
	if (mem_read(p, base, got, sizeof got) < 0 || memcmp(want, got, sizeof want) != 0 ||
	    mem_read(p, base + code_size, &d, sizeof d) < 0)
		return false;
	return d.save[16] == 0 || (d.done && d.left);
}

/* The runners of a suture killed midway (each suture run maps its own):
 * found by their code, which only suture writes, and unmapped.  (Their
 * data part may have merged with an anonymous mapping after it.) */
static void release_left_runners(struct proc *p, struct thread *t, bool was_stopped)
{
	struct maps m;
	if (maps_read(p->pid, &m) < 0)
		return;
	for (size_t i = 0; i + 1 < m.n; i++) {
		const struct map *code = &m.v[i], *data = &m.v[i + 1];
		uint64_t code_size = code->end - code->start;
		if (*code->path || *data->path || strcmp(code->perms, "r-xp") != 0 ||
		    strcmp(data->perms, "rw-p") != 0 || data->start != code->end ||
		    data->end - data->start < data_size() || code_size < PIECE_OFF + PIECE_ROOM ||
		    !idle_runner(p, code->start, code_size))
			continue;
		unmap_pages(p, t, was_stopped, code->start, code_size + data_size());
	}
	maps_free(&m);
}

static void release_runners(struct proc *p);

void runner_release(struct proc *p)
{
	/* (often called after an error: its message stays) */
	char *kept = err_save();
	p->runner_busy = true;   /* (no runner unmaps itself) */
	release_runners(p);
	p->runner_busy = false;
	err_restore(kept);
}

static void release_runners(struct proc *p)
{
	if (!proc_alive(p) || p->runner_stuck)
		return;
	struct thread *t = p->runner_thread;
	for (size_t i = 0; (!t || t->gone || !t->seized) && i < p->nthreads; i++)
		t = p->threads[i];
	if (!t || t->gone || !t->seized)
		return;   /* (nobody left to unmap it: left mapped) */
	bool was_stopped = t->stopped;
	if (p->runner) {
		uint64_t base = p->runner;
		struct user_regs_struct regs;
		p->runner = 0;
		p->runner_thread = NULL;
		if (hold_out_of(p, t, base, base + p->runner_code, &regs) < 0)
			return;
		t->defer_signals = false;
		unmap_pages(p, t, was_stopped, base, p->runner_code + data_size());
	}
	if (!p->runners_checked) {
		/* (the maps are read while T runs) */
		p->runners_checked = true;
		release_left_runners(p, t, was_stopped);
	}
}
