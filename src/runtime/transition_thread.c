/* The `thread` consistency model (kGraft, the kernel's livepatch): a
 * transition made thread by thread.
 *
 *   B. each thread stopped alone a moment: its universe byte := where it
 *      comes from (universe.h); then the state record says the transition
 *      is on, the paddings jump to the slots (written by a thread of the
 *      process itself while the others run: poke.h), gate := 2 ("by
 *      thread": redirect.h); nothing changes for any thread;
 *   C. each thread not switched yet is stopped alone, its stack walked
 *      (libdw, its current position included), and switched (byte := the
 *      target) when none of the code being replaced is on it; stragglers
 *      are retried after a short pause until --timeout, while every event
 *      of the threads is served at once (events.c); a thread created
 *      meanwhile starts in the target universe, its byte written before it
 *      first runs; a signal handler runs in its thread's universe;
 *   D. gate := the target for everyone (no change: every thread is there),
 *      then the paddings jump straight to the code of the target universe
 *      (poke.h again); the transition is over.
 *
 * Where the entries cannot be changed under running threads (an entry
 * whose first instruction is shorter than the jump, a process that may
 * not make its code writable), B and D are done with every thread
 * stopped a moment instead.
 *
 * At the timeout the transition is reversed the same way (C with the
 * target and the code flipped, then D), or with --force finished
 * unchecked and marked unsafe.  Killed anywhere, every thread runs one
 * universe (its byte never changes under it) and a later `revert`
 * reverses what is left from the record and the gate. */
#include "runtime/transition.h"
#include "runtime/universe.h"
#include "runtime/poke.h"
#include "runtime/redirect.h"
#include "common/error.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

/* How long to wait for one thread's stop before going on with the others
 * (its stop is checked whenever it comes), and the pause between rounds. */
#define STOP_WAIT 0.002
#define ROUND_PAUSE 0.005
/* the least time given to reversing a transition at the timeout */
#define REVERSE_MIN 5.0

struct thread_transition {
	struct transition *t;
	uint8_t target;         /* the universe threads go to (1: the slot's TO) */
	uint8_t birth;          /* the universe of a thread born now */
	const struct busy_range *busy;
	size_t nbusy;
	struct buf held;        /* who held it back in the last round */
	uint8_t goal;           /* the universe of this round of stops */
	bool set_from;          /* B also writes every thread's byte := FROM */
	bool unchecked;         /* a round that sets the byte without a walk */
	/* the registers of the thread the unchecked round just set, for a
	 * walk once it runs again (unwinder_warm_thread) */
	struct user_regs_struct warm_regs;
	bool warm;
	uint8_t from;
	int failed;             /* an error that stops the transition */
};

static void note_universe(struct thread_transition *x, struct thread *th, uint8_t u)
{
	th->univ = u;
	if (state_thread_set(x->t->p, x->t->st, th->tid, u) < 0)
		x->failed = -1;
}

/* A thread created while suture holds the process, before it runs. */
static void born(struct proc *p, struct thread *th, void *arg)
{
	struct thread_transition *x = arg;
	struct user_regs_struct regs;
	if (thread_get_regs(th, &regs) < 0 || universe_write(p, th, &regs, x->birth) < 0)
		return;   /* gone already, or no TLS (it calls nothing of ours) */
	note_universe(x, th, x->birth);
}

struct stop_all_check {
	struct thread_transition *x;
	int phase3;             /* the entries' last write: towards new (1), old (0), or none (-1) */
	struct buf msg;
};

static void check_stopped_thread(struct thread *th, void *arg)
{
	struct stop_all_check *c = arg;
	if (!th)
		return;
	struct user_regs_struct regs;
	if (thread_get_regs(th, &regs) < 0)
		return;
	th->fs_base = regs.fs_base;
	check_padding(c->x->t, th, &regs, c->phase3, &c->msg);
	if (th->fresh && th->univ < 0 && universe_write(c->x->t->p, th, &regs, c->x->birth) == 0)
		note_universe(c->x, th, c->x->birth);
}

static int end_write(struct thread_transition *x, bool to_new);

/* Runs WRITE with every thread stopped, none inside a padding (B and D). */
static int with_all_stopped(struct thread_transition *x, int (*write)(struct thread_transition *, bool), bool arg,
			    double deadline)
{
	struct proc *p = x->t->p;
	for (;;) {
		struct stop_all_check c = { x, write == end_write ? arg : -1, {0} };
		int rc = proc_stop_all(p, check_stopped_thread, &c);
		if (rc == 0 && !c.msg.len)
			rc = write(x, arg);
		proc_resume_all(p);
		if (rc < 0 || !c.msg.len) {
			buf_free(&c.msg);
			return rc;
		}
		if (mono_now() >= deadline) {
			err_set("%s", c.msg.data);
			buf_free(&c.msg);
			return TRANSITION_TIMEOUT;
		}
		buf_free(&c.msg);
		transition_pause(p, 0.001);
	}
}

static int rounds(struct thread_transition *x, double deadline);

/* Is every thread of P stopped by SIGSTOP (a starting process watch
 * holds)?  Its code is then written with every thread held (one stop
 * each), not by a piece of code one of them runs (a call into it, which
 * costs more). */
static bool stopped_whole(const struct proc *p)
{
	for (size_t i = 0; i < p->nthreads; i++) {
		const struct thread *th = p->threads[i];
		if (th->seized && !th->gone && !th->group_stop)
			return false;
	}
	return true;
}

/* The code written under running threads (transition_poke), or
 * POKE_CANNOT: with every thread stopped. */
static int poke_running(struct thread_transition *x, bool to_slots, bool to_new)
{
	return stopped_whole(x->t->p) ? POKE_CANNOT : transition_poke(x->t, to_slots, to_new);
}

/* B with no thread held but for a moment: POKE_CANNOT when the paddings
 * must be written with every thread stopped (the bytes are set). */
static int begin_running(struct thread_transition *x, double deadline)
{
	struct transition *t = x->t;
	x->goal = x->from;
	x->unchecked = true;
	int rc = rounds(x, deadline);
	x->unchecked = false;
	if (rc != 0)
		return rc;
	if (state_set(t->p, t->st, t->entry, t->during) < 0)
		return -1;
	rc = poke_running(x, true, false);
	if (rc != 0)
		return rc;
	fault_point("phase1");
	if (gate_write(t->p, t->gate, 2) < 0)
		return -1;
	fault_point("gate");
	return 0;
}

/* B: the transition begins. */
static int begin_write(struct thread_transition *x, bool unused)
{
	struct transition *t = x->t;
	(void)unused;
	if (x->set_from) {
		/* every thread where it comes from, before the gate asks */
		if (universe_write_all(t->p, x->from) < 0)
			return -1;
		for (size_t i = 0; i < t->p->nthreads; i++)
			if (t->p->threads[i]->stopped && !t->p->threads[i]->gone)
				t->p->threads[i]->univ = x->from;
	}
	if (state_set(t->p, t->st, t->entry, t->during) < 0 || redirect_to_slots(t->p, t->r, t->n) < 0 ||
	    gate_write(t->p, t->gate, 2) < 0)
		return -1;
	fault_point("gate");
	return 0;
}

/* D: the paddings jump straight to the code of universe TO_NEW. */
static int end_write(struct thread_transition *x, bool to_new)
{
	struct transition *t = x->t;
	if (redirect_direct(t->p, t->r, t->n, to_new) < 0)
		return -1;
	return 0;
}

/* Looks at stopped thread TH: 1 it is in universe x->goal now, 0 it must
 * wait (named in x->held), -1 error. */
static int check_switch(struct thread_transition *x, struct thread *th)
{
	struct transition *t = x->t;
	struct user_regs_struct regs;
	uint8_t u;
	if (thread_get_regs(th, &regs) < 0 || universe_read(t->p, th, &regs, &u) < 0)
		return th->gone ? 1 : -1;
	if (x->unchecked && !th->fresh) {
		x->warm_regs = regs;
		x->warm = true;
	}
	if ((u != 0) == (x->goal != 0)) {
		note_universe(x, th, x->goal);
		return 1;
	}
	/* a thread not run yet has nothing of the program on its stack */
	if (!th->fresh && !x->unchecked) {
		char *busy = thread_busy(t->p, t->unwinder, th, &regs, x->busy, x->nbusy, t->opaque, t->nopaque);
		if (busy) {
			free(th->held_why);
			th->held_why = busy;
			return 0;
		}
	}
	if (universe_write(t->p, th, &regs, x->goal) < 0)
		return -1;
	note_universe(x, th, x->goal);
	free(th->held_why);
	th->held_why = NULL;
	return 1;
}

/* Who holds the transition back, each thread by the last reason seen (a
 * thread slow to stop in this round keeps the one of the round before). */
static size_t note_held(struct thread_transition *x)
{
	struct proc *p = x->t->p;
	size_t left = 0;
	buf_free(&x->held);
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread *th = p->threads[i];
		if (!th->seized || th->gone || th->univ == x->goal)
			continue;
		left++;
		const char *sep = x->held.len ? "; " : "";
		if (th->held_why)
			buf_printf(&x->held, "%s%s", sep, th->held_why);
		else if (th->want_stop && !th->stopped)
			buf_printf(&x->held, "%sthread %d (%s) does not stop", sep, th->tid, th->comm);
	}
	return left;
}

/* A thread suture asked to stop, as soon as it stops: looked at, let go. */
static void stopped_for_us(struct proc *p, struct thread *th, void *arg)
{
	struct thread_transition *x = arg;
	if (check_switch(x, th) < 0)
		x->failed = -1;
	thread_resume(th);
	if (x->warm && x->t->unwinder)
		unwinder_warm_thread(x->t->unwinder, th, &x->warm_regs);
	x->warm = false;
}

/* Rounds until every thread is in universe x->goal: each one asked to
 * stop in turn, looked at as soon as it stops (while suture waits for the
 * next ones, whose every other event is served meanwhile). */
static int rounds(struct thread_transition *x, double deadline)
{
	struct proc *p = x->t->p;
	for (size_t i = 0; i < p->nthreads; i++) {
		free(p->threads[i]->held_why);   /* (of the other direction) */
		p->threads[i]->held_why = NULL;
	}
	for (;;) {
		for (size_t i = 0; i < p->nthreads; i++) {
			struct thread *th = p->threads[i];
			if (!th->seized || th->gone || th->univ == x->goal)
				continue;
			if (th->stopped) {
				th->want_stop = true;
				stopped_for_us(p, th, x);
				continue;
			}
			if (!th->want_stop) {
				th->want_stop = true;
				if (thread_interrupt(th) != 0) {
					th->gone = true;
					continue;
				}
			}
			proc_serve_events(p, mono_now() + STOP_WAIT, th);
		}
		if (x->failed)
			return -1;
		if (p->execed)
			return err_set("process %d (%s) ran another program during the transition; nothing to do",
				       p->pid, p->comm);
		if (!proc_alive(p))
			return err_set("process %d exited during the transition; nothing to do", p->pid);
		if (!note_held(x))
			return 0;
		if (mono_now() >= deadline)
			return TRANSITION_TIMEOUT;
		x->t->retries++;
		transition_pause(p, ROUND_PAUSE);
	}
}

/* C: every thread to x->target, each once its stack is clear. */
static int switch_threads(struct thread_transition *x, double deadline)
{
	x->goal = x->target;
	return rounds(x, deadline);
}

/* The record's table: every thread held now, in universe FROM. */
static int fill_table(struct thread_transition *x, uint8_t from)
{
	struct proc *p = x->t->p;
	pid_t *tids = xcalloc(p->nthreads + 1, sizeof *tids);
	uint32_t n = 0;
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i]->seized && !p->threads[i]->gone)
			tids[n++] = p->threads[i]->tid;
	int rc = state_threads_begin(p, x->t->st, x->t->entry->patch.seq, x->target);
	if (rc == 0)
		rc = state_threads_fill(p, x->t->st, tids, n, from);
	free(tids);
	return rc;
}

/* D, then the record says AFTER. */
static int finish(struct thread_transition *x, uint8_t universe, enum patch_state after)
{
	struct transition *t = x->t;
	if (gate_write(t->p, t->gate, universe) < 0)
		return -1;
	int rc = poke_running(x, false, universe != 0);
	if (rc == 0) {
		fault_point("phase3");
		rc = transition_empty_rooms(t, universe != 0);
	}
	/* else with everyone stopped, however long it takes */
	if (rc == POKE_CANNOT)
		rc = with_all_stopped(x, end_write, universe != 0, mono_now() + 3600);
	if (rc < 0)
		return -1;
	if (state_set(t->p, t->st, t->entry, after) < 0)
		return -1;
	return state_threads_end(t->p, t->st);
}

/* The timeout without --force: every thread goes back, if it can. */
static int reverse(struct thread_transition *x)
{
	struct transition *t = x->t;
	char *why = xstrdup(x->held.data ? x->held.data : "?");
	x->target = !x->target;
	x->birth = x->target;
	x->busy = t->back;
	x->nbusy = t->nback;
	state_threads_begin(t->p, t->st, t->entry->patch.seq, x->target);
	for (size_t i = 0; i < t->p->nthreads; i++)
		if (t->p->threads[i]->univ >= 0)
			note_universe(x, t->p->threads[i], (uint8_t)t->p->threads[i]->univ);
	/* going back matters more than going on: at least REVERSE_MIN */
	int rc = switch_threads(x, mono_now() + (t->timeout > REVERSE_MIN ? t->timeout : REVERSE_MIN));
	if (rc == 0)
		rc = finish(x, x->target, x->target ? PS_APPLIED : PS_LOADED);
	if (rc == 0) {
		t->reversed = true;
		err_set("process %d (%s): the transition could not finish within %g s: %s; it was reversed, nothing "
			"changed (retry with a longer --timeout, when the process is idle, or with --force)",
			t->p->pid, t->p->comm, t->timeout, why);
		free(why);
		return TRANSITION_TIMEOUT;
	}
	if (rc == TRANSITION_TIMEOUT)
		err_set("process %d (%s): the transition could not finish within %g s: %s; reversing it did not "
			"finish either: %s; the process stays in transition, every thread in one universe "
			"('suture status %d'; 'suture revert %d %s' reverses it)", t->p->pid, t->p->comm, t->timeout,
			why, x->held.data ? x->held.data : "?", t->p->pid, t->p->pid, t->entry->patch.name);
	free(why);
	return -1;
}

static int run(struct thread_transition *x)
{
	struct transition *t = x->t;
	struct proc *p = t->p;
	uint8_t gate;
	if (mem_read(p, t->gate, &gate, 1) < 0)
		return -1;
	double deadline = mono_now() + t->timeout;
	if (proc_seize_running(p) < 0)
		return -1;
	uint8_t from = !x->target;
	if (gate == x->target)   /* nothing runs the other side (an apply interrupted early) */
		return finish(x, x->target, t->after);
	if (gate != 2) {
		x->birth = x->from = from;
		if (fill_table(x, from) < 0)
			return -1;
		int rc = begin_running(x, deadline);
		if (rc == POKE_CANNOT) {
			/* A and B in one: the bytes are written again while
			 * everyone is stopped for the code writes anyway */
			x->set_from = true;
			rc = with_all_stopped(x, begin_write, false, deadline);
			x->set_from = false;
		}
		if (rc != 0)
			return rc;
	} else {
		/* an interrupted transition: each thread's byte says where it is */
		if (state_set(p, t->st, t->entry, t->during) < 0 ||
		    state_threads_begin(p, t->st, t->entry->patch.seq, x->target) < 0)
			return -1;
	}
	x->birth = x->target;
	int rc = switch_threads(x, deadline);
	if (rc == TRANSITION_TIMEOUT && t->force) {
		/* the gate takes everyone there, checked or not */
		t->entry->patch.flags |= SP_UNSAFE;
		rc = 0;
	}
	if (rc == TRANSITION_TIMEOUT)
		return reverse(x);
	if (rc < 0)
		return -1;
	return finish(x, x->target, t->after);
}

int transition_thread_run(struct transition *t)
{
	if (!t->unwinder && !(t->unwinder = unwinder_new(t->p)))
		return -1;
	struct thread_transition x = { .t = t, .target = t->gate_to, .busy = t->busy, .nbusy = t->nbusy };
	t->p->on_new_thread = born;
	t->p->on_wanted_stop = stopped_for_us;
	t->p->on_new_arg = &x;
	stop_mark("start");
	int rc = run(&x);
	stop_mark("transition");
	t->p->on_new_thread = NULL;
	t->p->on_wanted_stop = NULL;
	buf_free(&x.held);
	return rc;
}
