/* Stack walking through libdw's dwfl (CFI from .eh_frame/.debug_frame of
 * each mapped object).
 *
 * libdw is given suture's own view of the process (dwfl_attach_state):
 * the threads suture holds stopped, their registers, and memory read from
 * /proc/PID/mem a page at a time.  libdw's own Linux backend reads stacks
 * word by word with PTRACE_PEEKDATA and lists threads from /proc, which
 * made unwinding most of the time the threads are stopped. */
#include "runtime/unwind.h"
#include "common/error.h"
#include "common/util.h"

#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define PAGE 4096ull
#define MAX_DEPTH 4096

struct unwinder {
	Dwfl *dwfl;
	struct proc *p;
	bool attached;
	/* the last page read: a walk reads a few words of the same page */
	uint64_t page_addr;
	bool page_valid;
	uint8_t page[PAGE];
};

static char *debuginfo_path;
static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

struct unwinder *unwinder_new(struct proc *p)
{
	struct unwinder *u = xcalloc(1, sizeof *u);
	u->p = p;
	u->dwfl = dwfl_begin(&callbacks);
	if (!u->dwfl || dwfl_linux_proc_report(u->dwfl, p->pid) != 0 ||
	    dwfl_report_end(u->dwfl, NULL, NULL) != 0) {
		err_set("cannot read the loaded objects of process %d for unwinding (%s)", p->pid,
			dwfl_errmsg(-1));
		unwinder_free(u);
		return NULL;
	}
	return u;
}

/* The threads: the ones suture holds stopped, in its order; each
 * thread's argument is its struct thread. */
static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct unwinder *u = arg;
	size_t i = 0;
	if (*thread_argp)
		while (i < u->p->nthreads && u->p->threads[i++] != *thread_argp)
			;
	for (; i < u->p->nthreads; i++) {
		struct thread *t = u->p->threads[i];
		if (t->seized && t->stopped && !t->gone) {
			*thread_argp = t;
			return t->tid;
		}
	}
	return 0;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	struct unwinder *u = arg;
	struct thread *t = proc_thread(u->p, tid);
	if (!t || (!t->stopped && !t->walk_regs))
		return false;
	*thread_argp = t;
	return true;
}

/* process_vm_readv: no page pinning through /proc/PID/mem's file layer,
 * the cheaper read while every thread waits. */
static bool read_page(pid_t pid, uint64_t addr, uint8_t *out)
{
	struct iovec local = { out, PAGE };
	struct iovec remote = { (void *)(uintptr_t)addr, PAGE };
	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)PAGE;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	struct unwinder *u = arg;
	uint64_t page = addr & ~(PAGE - 1);
	if (addr - page > PAGE - sizeof *result)
		return mem_read(u->p, addr, result, sizeof *result) == 0;
	if (!u->page_valid || u->page_addr != page) {
		u->page_valid = read_page(u->p->pid, page, u->page);
		u->page_addr = page;
		if (!u->page_valid)
			return mem_read(u->p, addr, result, sizeof *result) == 0;
	}
	memcpy(result, u->page + (addr - page), sizeof *result);
	return true;
}

/* DWARF numbering on x86-64: rax rdx rcx rbx rsi rdi rbp rsp r8..r15, rip. */
static bool set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	struct thread *t = thread_arg;
	struct user_regs_struct r;
	if (t->walk_regs)
		r = *t->walk_regs;
	else if (thread_get_regs(t, &r) < 0)
		return false;
	Dwarf_Word regs[17] = {
		r.rax, r.rdx, r.rcx, r.rbx, r.rsi, r.rdi, r.rbp, r.rsp,
		r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rip,
	};
	return dwfl_thread_state_registers(thread, 0, 17, regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

struct walk {
	frame_fn fn;
	void *arg;
	pid_t tid;
	int depth;
	walk_end_fn end;
	uint64_t last_pc;
	bool stopped_by_fn;
};

static int frame_cb(Dwfl_Frame *frame, void *arg)
{
	struct walk *w = arg;
	Dwarf_Addr pc;
	bool activation;
	if (!dwfl_frame_pc(frame, &pc, &activation))
		return DWARF_CB_ABORT;
	bool innermost = w->depth++ == 0;
	/* a return address points after the call: look at the call itself */
	if (!activation && pc > 0)
		pc--;
	w->last_pc = pc;
	if (w->fn(w->tid, pc, innermost, w->arg)) {
		w->stopped_by_fn = true;
		return DWARF_CB_ABORT;
	}
	/* deeper than any sane stack: a loop in the frames; not walked to
	 * its start, so the caller must not take it as clean */
	if (w->depth > MAX_DEPTH)
		return DWARF_CB_ABORT;
	return DWARF_CB_OK;
}

static int thread_cb(Dwfl_Thread *thread, void *arg)
{
	struct walk *w = arg;
	w->tid = dwfl_thread_tid(thread);
	w->depth = 0;
	w->last_pc = 0;
	w->stopped_by_fn = false;
	/* an unwinding error ends this thread's walk; the frames seen so far
	 * were reported (an anonymous-memory frame, e.g. a patch, is the last) */
	int rc = dwfl_thread_getframes(thread, frame_cb, w);
	if (w->end && !w->stopped_by_fn)
		w->end(w->tid, w->last_pc, rc == 0, w->arg);
	return DWARF_CB_OK;
}

static int attach(struct unwinder *u)
{
	if (!u->attached) {
		if (!dwfl_attach_state(u->dwfl, NULL, u->p->pid, &thread_callbacks, u))
			return err_set("cannot unwind the threads of process %d (%s)", u->p->pid, dwfl_errmsg(-1));
		u->attached = true;
	}
	/* the memory changes while the threads run between walks */
	u->page_valid = false;
	return 0;
}

/* Reads a byte of every page of ELF's unwind tables.  libdw reads the
 * file through a mapping: the first walk through an object would take a
 * page fault at each new page of them, while the thread waits (tens of
 * microseconds each in some virtual machines). */
static void touch_unwind_sections(Elf *elf)
{
	size_t shstrndx;
	if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return;
	volatile uint8_t sink = 0;
	for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
		GElf_Shdr sh;
		const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(elf, shstrndx, sh.sh_name) : NULL;
		if (!name || (strcmp(name, ".eh_frame") != 0 && strcmp(name, ".eh_frame_hdr") != 0))
			continue;
		Elf_Data *d = elf_rawdata(scn, NULL);
		for (size_t off = 0; d && d->d_buf && off < d->d_size; off += PAGE)
			sink ^= ((const uint8_t *)d->d_buf)[off];
	}
	(void)sink;
}

/* Loads one object and its .eh_frame, as a walk would.  Not its
 * .debug_frame: a walk reads that only where .eh_frame has no entry, and
 * finding it means reading the separate debug file (libc6-dbg's is 4 MB,
 * 80 ms) */
static int load_tables(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start, void *arg)
{
	Dwarf_Addr bias;
	(void)userdata, (void)name, (void)start, (void)arg;
	if (dwfl_module_eh_cfi(mod, &bias))
		touch_unwind_sections(dwfl_module_getelf(mod, &bias));
	return DWARF_CB_OK;
}

void unwinder_warm(struct unwinder *u)
{
	/* attached first: an object whose file is gone is read from the
	 * process's memory then */
	if (attach(u) < 0)
		return;
	dwfl_getmodules(u->dwfl, load_tables, NULL, 0);
}

int unwinder_walk(struct unwinder *u, frame_fn fn, walk_end_fn end, void *arg)
{
	if (attach(u) < 0)
		return -1;
	struct walk w = { .fn = fn, .arg = arg, .end = end };
	if (dwfl_getthreads(u->dwfl, thread_cb, &w) != 0 && dwfl_errno() != 0)
		return err_set("cannot unwind the threads of process %d (%s)", u->p->pid, dwfl_errmsg(-1));
	return 0;
}

int unwinder_walk_thread(struct unwinder *u, struct thread *t, const struct user_regs_struct *regs,
			 const uint8_t *stack_page, frame_fn fn, walk_end_fn end, void *arg)
{
	if (attach(u) < 0)
		return -1;
	if (stack_page) {
		u->page_addr = regs->rsp & ~(PAGE - 1);
		memcpy(u->page, stack_page, PAGE);
		u->page_valid = true;
	}
	t->walk_regs = regs;
	struct walk w = { .fn = fn, .arg = arg, .end = end, .tid = t->tid };
	int rc = dwfl_getthread_frames(u->dwfl, t->tid, frame_cb, &w);
	t->walk_regs = NULL;
	if (end && !w.stopped_by_fn)
		end(t->tid, w.last_pc, rc == 0, arg);
	return 0;
}

#define WARM_DEPTH 64

static bool warm_frame(pid_t tid, uint64_t pc, bool innermost, void *arg)
{
	int *depth = arg;
	(void)tid, (void)pc, (void)innermost;
	return ++*depth >= WARM_DEPTH;   /* (the stack changes under it) */
}

void unwinder_warm_thread(struct unwinder *u, struct thread *t, const struct user_regs_struct *regs)
{
	int depth = 0;
	char *kept = err_save();
	unwinder_walk_thread(u, t, regs, NULL, warm_frame, NULL, &depth);
	err_restore(kept);
}

void unwinder_add_module(struct unwinder *u, const char *name, int fd, uint64_t base)
{
	dwfl_report_begin_add(u->dwfl);
	if (!dwfl_report_elf(u->dwfl, name, name, fd, base, true))
		close(fd);
	dwfl_report_end(u->dwfl, NULL, NULL);
}

void unwinder_free(struct unwinder *u)
{
	if (!u)
		return;
	if (u->dwfl)
		dwfl_end(u->dwfl);
	free(u);
}
