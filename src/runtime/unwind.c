/* Stack walking through libdw's dwfl (CFI from .eh_frame/.debug_frame of
 * each mapped object). */
#include "runtime/unwind.h"
#include "common/error.h"
#include "common/util.h"

#include <elfutils/libdwfl.h>
#include <stdlib.h>

struct unwinder {
	Dwfl *dwfl;
	struct proc *p;
	bool attached;
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

struct walk {
	frame_fn fn;
	void *arg;
	pid_t tid;
	int depth;
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
	if (w->fn(w->tid, pc, innermost, w->arg) || w->depth > 512)
		return DWARF_CB_ABORT;
	return DWARF_CB_OK;
}

static int thread_cb(Dwfl_Thread *thread, void *arg)
{
	struct walk *w = arg;
	w->tid = dwfl_thread_tid(thread);
	w->depth = 0;
	/* an unwinding error ends this thread's walk; the frames seen so far
	 * were reported (an anonymous-memory frame, e.g. a patch, is the last) */
	dwfl_thread_getframes(thread, frame_cb, w);
	return DWARF_CB_OK;
}

int unwinder_walk(struct unwinder *u, frame_fn fn, void *arg)
{
	if (!u->attached) {
		if (dwfl_linux_proc_attach(u->dwfl, u->p->pid, true) != 0)
			return err_set("cannot unwind the threads of process %d (%s)", u->p->pid, dwfl_errmsg(-1));
		u->attached = true;
	}
	struct walk w = { fn, arg, 0, 0 };
	if (dwfl_getthreads(u->dwfl, thread_cb, &w) != 0 && dwfl_errno() != 0)
		return err_set("cannot unwind the threads of process %d (%s)", u->p->pid, dwfl_errmsg(-1));
	return 0;
}

void unwinder_free(struct unwinder *u)
{
	if (!u)
		return;
	if (u->dwfl)
		dwfl_end(u->dwfl);
	free(u);
}
