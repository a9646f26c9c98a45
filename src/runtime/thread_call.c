/* A call in a thread of its own (see thread_call.h). */
#include "runtime/thread_call.h"
#include "runtime/inject.h"
#include "runtime/symbols.h"
#include "common/error.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u
/* The runner's two pages: code (r-x), then the control block (rw-). */
#define RUNNER_OFF 0
#define CREATE_OFF 64

struct control {                /* at base + PAGE, written by the runner */
	uint64_t fn;
	uint64_t args[2];
	uint64_t result;
	uint32_t done;
	uint32_t tid;
	uint64_t thread;        /* pthread_t */
};

static uint8_t *put(uint8_t *at, const void *bytes, size_t n)
{
	memcpy(at, bytes, n);
	return at + n;
}

static uint8_t *movabs(uint8_t *at, uint8_t opcode, uint64_t value)
{
	*at++ = 0x48;
	*at++ = opcode;
	return put(at, &value, 8);
}

/* void *runner(struct control *c): c->tid = gettid();
 * c->result = c->fn(c->args[0], c->args[1]); c->done = 1; return NULL.
 * Entered from start_thread with the stack 8 bytes off 16: the push
 * realigns it for the call. */
static void write_runner(uint8_t *code)
{
	_Static_assert(offsetof(struct control, result) == 24 && offsetof(struct control, done) == 32 &&
		       offsetof(struct control, tid) == 36, "the runner's offsets");
	static const uint8_t runner[] = {
		0x53,                                   /* push %rbx */
		0x48, 0x89, 0xfb,                       /* mov %rdi,%rbx */
		0xb8, 0xba, 0x00, 0x00, 0x00,           /* mov $SYS_gettid,%eax */
		0x0f, 0x05,                             /* syscall */
		0x89, 0x43, 0x24,                       /* mov %eax,36(%rbx) */
		0x48, 0x8b, 0x7b, 0x08,                 /* mov 8(%rbx),%rdi */
		0x48, 0x8b, 0x73, 0x10,                 /* mov 16(%rbx),%rsi */
		0xff, 0x13,                             /* call *(%rbx) */
		0x48, 0x89, 0x43, 0x18,                 /* mov %rax,24(%rbx) */
		0xc7, 0x43, 0x20, 0x01, 0, 0, 0,        /* movl $1,32(%rbx) */
		0x31, 0xc0,                             /* xor %eax,%eax */
		0x5b,                                   /* pop %rbx */
		0xc3,                                   /* ret */
	};
	memcpy(code + RUNNER_OFF, runner, sizeof runner);
}

/* int create(void): pthread_create(&c->thread, NULL, runner, c), then
 * pthread_detach(c->thread) (the thread is never joined); returns what
 * pthread_create returned.  Called by remote_call, so entered like a
 * function: the sub realigns the stack for the calls. */
static void write_create(uint8_t *code, uint64_t base, uint64_t create_fn, uint64_t detach_fn)
{
	uint64_t ctl = base + PAGE, thread = ctl + offsetof(struct control, thread);
	uint8_t *at = code + CREATE_OFF;
	at = put(at, (const uint8_t[]){ 0x48, 0x83, 0xec, 0x08 }, 4);   /* sub $8,%rsp */
	at = movabs(at, 0xbf, thread);                                   /* rdi */
	at = put(at, (const uint8_t[]){ 0x31, 0xf6 }, 2);                /* xor %esi,%esi */
	at = movabs(at, 0xba, base + RUNNER_OFF);                        /* rdx */
	at = movabs(at, 0xb9, ctl);                                      /* rcx */
	at = movabs(at, 0xb8, create_fn);                                /* rax */
	at = put(at, (const uint8_t[]){ 0xff, 0xd0 }, 2);                /* call *%rax */
	/* test %eax,%eax; jnz out (over the 27 bytes of the detach) */
	at = put(at, (const uint8_t[]){ 0x85, 0xc0, 0x75, 27 }, 4);
	at = movabs(at, 0xb8, thread);
	at = put(at, (const uint8_t[]){ 0x48, 0x8b, 0x38 }, 3);          /* mov (%rax),%rdi */
	at = movabs(at, 0xb8, detach_fn);
	at = put(at, (const uint8_t[]){ 0xff, 0xd0, 0x31, 0xc0 }, 4);    /* call; xor %eax,%eax */
	put(at, (const uint8_t[]){ 0x48, 0x83, 0xc4, 0x08, 0xc3 }, 5);   /* out: add $8,%rsp; ret */
}

static int lookup(struct proc *p, const struct thread_call *c, const char *name, uint64_t *addr)
{
	struct resolved r;
	int found = sym_global(p, c->objs, c->nobjs, name, &r);
	if (found < 0)
		return -1;
	if (found == 0)
		return err_set("%s cannot run: process %d has no %s (suture's calls into a process run in "
			       "a thread of their own)", c->what, p->pid, name);
	*addr = r.addr;
	return 0;
}

/* Maps the runner's pages (code, control block) and starts the call's
 * thread from T. */
static int launch(struct proc *p, struct thread *t, const struct thread_call *c, uint64_t create_fn,
		  uint64_t detach_fn, uint64_t *base)
{
	if (remote_mmap(p, t, 0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, base) < 0)
		return -1;
	uint8_t code[PAGE];
	memset(code, 0xcc, sizeof code);
	write_runner(code);
	write_create(code, *base, create_fn, detach_fn);
	struct control ctl = { .fn = c->fn, .args = { c->args[0], c->args[1] } };
	uint64_t ret;
	if (mem_write(p, *base, code, sizeof code) < 0 || mem_write(p, *base + PAGE, &ctl, sizeof ctl) < 0 ||
	    remote_mprotect(p, t, *base, PAGE, PROT_READ | PROT_EXEC) < 0)
		goto unmap;
	/* the new thread is the program's own: not traced (no clone event) */
	if (ptrace(PTRACE_SETOPTIONS, t->tid, 0, PTRACE_O_TRACESYSGOOD) != 0) {
		err_set_errno("cannot set ptrace options of thread %d of process %d", t->tid, p->pid);
		goto unmap;
	}
	int rc = remote_call(p, t, *base + CREATE_OFF, &ret);
	ptrace(PTRACE_SETOPTIONS, t->tid, 0, PTRACE_O_TRACECLONE | PTRACE_O_TRACESYSGOOD);
	if (rc < 0)
		goto unmap;
	if ((int32_t)ret != 0) {
		err_set("%s cannot run: pthread_create failed in process %d (%s)", c->what, p->pid,
			strerror((int)(int32_t)ret));
		goto unmap;
	}
	return 0;
unmap:
	remote_munmap(p, t, *base, 2 * PAGE);
	return -1;
}

/* Maps the runner's pages and starts the call's thread from T. */
static int start(struct proc *p, struct thread *t, const struct thread_call *c, uint64_t *base)
{
	uint64_t create_fn, detach_fn;
	if (lookup(p, c, "pthread_create", &create_fn) < 0 || lookup(p, c, "pthread_detach", &detach_fn) < 0)
		return -1;
	return launch(p, t, c, create_fn, detach_fn, base);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000 };
	nanosleep(&ts, NULL);
}

static bool task_exists(pid_t pid, uint32_t tid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task/%u", pid, tid);
	return access(path, F_OK) == 0;
}

/* Reads the control block until the callback is done or time is up. */
static int wait_done(struct proc *p, uint64_t base, struct thread_call *c, struct control *ctl)
{
	double deadline = now_s() + c->timeout;
	for (;;) {
		if (mem_read(p, base + PAGE, ctl, sizeof *ctl) < 0)
			return err_set("process %d exited while %s ran", p->pid, c->what);
		if (__atomic_load_n(&ctl->done, __ATOMIC_ACQUIRE))
			return 0;
		if (now_s() >= deadline)
			break;
		sleep_ms(1);
	}
	c->still_running = true;
	if (!ctl->tid)
		return err_set("%s has not started after %g s in process %d (%s): its thread is left to "
			       "start, and its code stays in memory; nothing was switched", c->what, c->timeout,
			       p->pid, p->comm);
	return err_set("%s has not returned after %g s in process %d (%s): it is left running in thread %u "
		       "(suture cannot stop a thread safely midway: whatever it holds stays held, and its "
		       "code stays in memory); nothing was switched", c->what, c->timeout, p->pid, p->comm,
		       ctl->tid);
}

/* start() with the process's objects read here, for a caller that has none. */
static int start_reading_objects(struct proc *p, struct thread *t, struct thread_call *c, uint64_t *base)
{
	struct maps m;
	struct object *objs = NULL;
	size_t nobjs = 0;
	if (maps_read(p->pid, &m) < 0)
		return -1;
	int rc = objects_read(p->pid, &m, &objs, &nobjs);
	if (rc == 0) {
		c->objs = objs;
		c->nobjs = nobjs;
		rc = start(p, t, c, base);
		c->objs = NULL;
		c->nobjs = 0;
	}
	objects_free(objs, nobjs);
	maps_free(&m);
	return rc;
}

int thread_call_run(struct proc *p, struct thread **t, struct thread_call *c)
{
	if ((*t)->group_stop)
		return err_set("%s cannot run while process %d (%s) is stopped (SIGSTOP): continue it "
			       "(kill -CONT %d) and try again", c->what, p->pid, p->comm, p->pid);
	uint64_t base;
	if ((c->objs ? start(p, *t, c, &base) : start_reading_objects(p, *t, c, &base)) < 0)
		return -1;
	/* the borrowed thread runs on while the callback does: it may hold
	 * what the callback waits for */
	proc_finish(p);
	struct control ctl = { 0 };
	int rc = wait_done(p, base, c, &ctl);
	c->result = ctl.result;
	/* the runner's last instructions are still in its page after done:
	 * unmap it once its thread has exited (else leave the 8 KiB) */
	bool gone = false;
	for (int i = 0; rc == 0 && i < 1000 && !(gone = !task_exists(p->pid, ctl.tid)); i++)
		sleep_ms(1);
	if (proc_seize_one(p, t) < 0)
		return -1;
	if (gone)
		remote_munmap(p, *t, base, 2 * PAGE);
	return rc;
}
