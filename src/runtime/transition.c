/* The stop and none consistency models. */
#include "runtime/transition.h"
#include "runtime/async_call.h"
#include "runtime/poke.h"
#include "runtime/redirect.h"
#include "common/error.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct busy_check {
	struct proc *p;
	const struct busy_range *ranges;
	size_t n;
	const struct busy_range *opaque;
	size_t nopaque;
	struct buf msg;
	pid_t last_tid;
};

static bool check_frame(pid_t tid, uint64_t pc, bool innermost, void *arg)
{
	struct busy_check *c = arg;
	for (size_t i = 0; i < c->n; i++) {
		if (pc < c->ranges[i].lo || pc >= c->ranges[i].hi)
			continue;
		if (c->last_tid == tid)
			return true;
		struct thread *t = proc_thread(c->p, tid);
		buf_printf(&c->msg, "%sthread %d (%s) is in %s", c->msg.len ? "; " : "", tid,
			   t ? t->comm : "?", c->ranges[i].name);
		c->last_tid = tid;
		return true;
	}
	return false;
}

struct busy_range *patch_code_ranges(const struct state *st, size_t *n)
{
	struct busy_range *r = xcalloc(st->n + 1, sizeof *r);
	*n = 0;
	for (size_t i = 0; i < st->n; i++) {
		const struct state_patch *sp = &st->entries[i].patch;
		/* replaced patches under `none` keep their memory */
		if (sp->state == PS_REVERTED || !sp->mem)
			continue;
		r[(*n)++] = (struct busy_range){ sp->mem, sp->code_end,
						 xasprintf("the code of patch '%s'", sp->name) };
	}
	return r;
}

void ranges_free(struct busy_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)r[i].name);
	free(r);
}

/* A walk that did not reach the start of the stack: what lies below its
 * last frame is unknown, so the thread counts as busy. */
static void check_end(pid_t tid, uint64_t last_pc, bool complete, void *arg)
{
	struct busy_check *c = arg;
	if (complete || c->last_tid == tid)
		return;
	struct thread *t = proc_thread(c->p, tid);
	const char *sep = c->msg.len ? "; " : "";
	for (size_t i = 0; i < c->nopaque; i++)
		if (last_pc >= c->opaque[i].lo && last_pc < c->opaque[i].hi) {
			buf_printf(&c->msg, "%sthread %d (%s) is in %s, whose callers cannot be unwound",
				   sep, tid, t ? t->comm : "?", c->opaque[i].name);
			c->last_tid = tid;
			return;
		}
	/* Known gap: a thread stopped at a clone event stands where glibc's
	 * clone has no CFI; it would stay busy as long as it keeps creating
	 * threads, so only its innermost frame is checked (as before). */
	if (t && t->at_clone)
		return;
	c->last_tid = tid;
	buf_printf(&c->msg, "%sthread %d (%s) cannot be unwound past 0x%llx", sep, tid,
		   t ? t->comm : "?", (unsigned long long)last_pc);
}

char *thread_busy(struct proc *p, struct unwinder *u, struct thread *th, const struct user_regs_struct *regs,
		  const struct busy_range *ranges, size_t n, const struct busy_range *opaque, size_t nopaque)
{
	struct busy_check c = { p, ranges, n, opaque, nopaque, {0}, 0 };
	if (unwinder_walk_thread(u, th, regs, NULL, check_frame, check_end, &c) < 0) {
		buf_free(&c.msg);
		return xstrdup(err_msg());
	}
	return c.msg.data;
}

void transition_pause(struct proc *p, double seconds)
{
	proc_serve_events(p, mono_now() + seconds, NULL);
}

char *threads_in(struct proc *p, struct unwinder *u, const struct busy_range *ranges, size_t n,
		 const struct busy_range *opaque, size_t nopaque)
{
	struct busy_check c = { p, ranges, n, opaque, nopaque, {0}, 0 };
	if (unwinder_walk(u, check_frame, check_end, &c) < 0) {
		buf_free(&c.msg);
		return xstrdup(err_msg());
	}
	return c.msg.data;
}

/* A thread stopped in the middle of an entry padding (five 1-byte NOPs),
 * or of the instructions a room form displaces, would resume inside the
 * jump we write there; one at a room's jump (it took the entry's) would
 * resume on the int3 a revert puts back (PHASE3: the direction of the
 * entries' last write in this stop, -1 when none). */
void check_padding(const struct transition *t, struct thread *th, const struct user_regs_struct *regs,
		   int phase3, struct buf *msg)
{
	for (size_t k = 0; k < t->n; k++) {
		const struct redirect *r = &t->r[k];
		bool emptied = phase3 >= 0 && r->room && r->orig_room[0] == 0xcc &&
			       (phase3 ? r->to : r->from) == r->stub;
		if ((regs->rip > r->pad && regs->rip < r->pad + r->len) || (emptied && regs->rip == r->room))
			buf_printf(msg, "%sthread %d (%s) is in an entry padding", msg->len ? "; " : "",
				   th->tid, th->comm);
	}
}

/* Threads are walked in batches: one process_vm_readv reads the stack
 * pages of a batch (a read costs ~2.5 us whatever its size; a batch of 8
 * pages ~1 us a page). */
#define BATCH 8
#define PAGE 4096ull

struct stop_check {
	const struct transition *t;
	struct busy_check c;
	struct thread *queued[BATCH];
	struct user_regs_struct regs[BATCH];
	size_t nqueued;
};

static void walk_queued(struct stop_check *sc)
{
	static uint8_t pages[BATCH][PAGE];
	struct iovec local[BATCH] = {{0}}, remote[BATCH] = {{0}};
	size_t n = sc->nqueued;
	for (size_t i = 0; i < n; i++) {
		local[i] = (struct iovec){ pages[i], PAGE };
		remote[i] = (struct iovec){ (void *)(uintptr_t)(sc->regs[i].rsp & ~(PAGE - 1)), PAGE };
	}
	ssize_t got = process_vm_readv(sc->t->p->pid, local, n, remote, n, 0);
	/* a page that could not be read is read again by the walk, word by word */
	size_t read = got > 0 ? (size_t)got / PAGE : 0;
	for (size_t i = 0; i < n; i++)
		if (unwinder_walk_thread(sc->t->unwinder, sc->queued[i], &sc->regs[i], i < read ? pages[i] : NULL,
					 check_frame, check_end, &sc->c) < 0)
			buf_printf(&sc->c.msg, "%s%s", sc->c.msg.len ? "; " : "", err_msg());
	sc->nqueued = 0;
}

/* Looks at one thread as soon as it is stopped, while the others are
 * still stopping: its registers once, the paddings; its stack with the
 * next batch (TH NULL: the last batch).  It stays stopped until the
 * switch, so what is found stays true. */
static void check_stopped(struct thread *th, void *arg)
{
	struct stop_check *sc = arg;
	if (!th) {
		if (sc->nqueued)
			walk_queued(sc);
		return;
	}
	struct user_regs_struct regs;
	if (thread_get_regs(th, &regs) < 0) {
		buf_printf(&sc->c.msg, "%sthread %d (%s): %s", sc->c.msg.len ? "; " : "", th->tid,
			   th->comm, err_msg());
		return;
	}
	check_padding(sc->t, th, &regs, sc->t->gate_to != 0, &sc->c.msg);
	/* a thread not yet run has no frame of the program (libdw cannot
	 * walk the first instruction of clone's child, the stack is empty) */
	if (sc->t->model != CM_STOP || th->fresh)
		return;
	sc->queued[sc->nqueued] = th;
	sc->regs[sc->nqueued++] = regs;
	if (sc->nqueued == BATCH)
		walk_queued(sc);
}

/* Phase 1 or 3 by a thread of the process while the others run
 * (poke.h): 0, POKE_CANNOT (nothing changed), or -1. */
int transition_poke(struct transition *t, bool to_slots, bool to_new)
{
	size_t n;
	struct poke *w = redirect_writes(t->r, t->n, to_slots, to_new, &n);
	int rc = poke_safe(t->p, w, n) ? poke_run(t->p, w, n) : POKE_CANNOT;
	free(w);
	return rc;
}

/* `none` checks no stack, so it stops no thread: the three phases made
 * under running threads.  POKE_CANNOT when the entries must be written
 * with every thread stopped (nothing changed). */
static int switch_running(struct transition *t)
{
	stop_mark("start");
	if (proc_seize_running(t->p) < 0)
		return -1;
	if (!proc_alive(t->p))
		return err_set("process %d exited during the switch; nothing to do", t->p->pid);
	if (state_set(t->p, t->st, t->entry, t->during) < 0)
		return -1;
	int rc = transition_poke(t, true, false);
	if (rc != 0)
		return rc;
	fault_point("phase1");
	if (gate_write(t->p, t->gate, t->gate_to) < 0)
		return -1;
	fault_point("gate");
	if (transition_poke(t, false, t->gate_to != 0) != 0)
		return -1;
	fault_point("phase3");
	if (transition_empty_rooms(t, t->gate_to != 0) < 0)
		return -1;
	rc = state_set(t->p, t->st, t->entry, t->after);
	stop_mark("switch");
	return rc;
}

int transition_run(struct transition *t)
{
	if (t->model == CM_THREAD)
		return transition_thread_run(t);
	if (t->model == CM_NONE) {
		int rc = switch_running(t);
		if (rc != POKE_CANNOT)
			return rc;
	}
	/* the code is written with every thread stopped: the runner
	 * (async_call.h) goes now, while they run */
	runner_release(t->p);
	double deadline = now() + t->timeout;
	char *busy = NULL;
	for (;;) {
		/* reading the objects' files for unwinding is done while the
		 * threads run, not while they are stopped */
		if (t->model == CM_STOP && !t->unwinder && !(t->unwinder = unwinder_new(t->p)))
			return -1;
		stop_mark("start");
		if (proc_seize_running(t->p) < 0)
			return -1;
		stop_mark("seize");
		struct stop_check sc = { .t = t, .c = { t->p, t->busy, t->nbusy, t->opaque, t->nopaque, {0}, 0 } };
		int rc = proc_stop_all(t->p, check_stopped, &sc);
		stop_mark("stop+check");
		free(busy);
		busy = sc.c.msg.data;
		if (rc < 0) {
			free(busy);
			return -1;
		}
		if (!proc_alive(t->p)) {
			free(busy);
			return err_set("process %d exited during the switch; nothing to do", t->p->pid);
		}
		if (!busy)
			break;
		if (now() >= deadline) {
			err_set("process %d (%s): the switch could not happen within %g s: %s; nothing was changed "
				"(retry with a longer --timeout, or when the process is idle)", t->p->pid, t->p->comm,
				t->timeout, busy);
			free(busy);
			return TRANSITION_TIMEOUT;
		}
		t->retries++;
		/* let the process run a moment, then stop it again */
		proc_resume_all(t->p);
		transition_pause(t->p, 0.005);
		if (!proc_alive(t->p)) {
			free(busy);
			return err_set("process %d exited during the switch; nothing to do", t->p->pid);
		}
	}
	if (state_set(t->p, t->st, t->entry, t->during) < 0)
		return -1;
	if (redirect_switch(t->p, t->r, t->n, t->gate, t->gate_to) < 0)
		return -1;
	int rc = state_set(t->p, t->st, t->entry, t->after);
	stop_mark("switch");
	return rc;
}
