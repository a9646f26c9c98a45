/* Serving the events of seized threads while the process runs.
 *
 * Between the checks of a `thread` transition, and between the retries
 * of a `stop` switch, suture keeps the threads seized (so a thread
 * created meanwhile is traced from its first instruction) but lets them
 * run.  A seized thread still stops for every signal it receives, at
 * each clone, exec and group stop: each of these is served at once, so
 * that no thread waits for suture beyond the moment it is checked or
 * switched.  fork() and vfork() children are never traced (no
 * PTRACE_O_TRACEFORK): they run as they would without suture. */
#include "runtime/proc.h"
#include "common/error.h"

#include <errno.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>

/* SIGCHLD (sent to a tracer at each stop of a tracee) is blocked, so
 * that sigtimedwait can sleep until the next event. */
static void block_sigchld(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	sigprocmask(SIG_BLOCK, set, NULL);
}

static void serve_one(struct proc *p, pid_t tid, int status)
{
	struct thread *t = proc_thread(p, tid);
	if (!t) {
		/* a new thread reporting before its parent's clone event */
		t = proc_add_thread(p, tid);
		t->seized = true;
		t->fresh = true;
	}
	thread_note_status(p, t, status, false);
	if (t->gone || !t->stopped)
		return;
	if (t->fresh && (status >> 16) == PTRACE_EVENT_STOP && !t->group_stop) {
		/* its first stop, before it ran anything */
		if (p->on_new_thread)
			p->on_new_thread(p, t, p->on_new_arg);
		thread_resume(t);
		return;
	}
	if (!t->want_stop) {
		if (t->defer_signals)
			thread_defer_held_signal(t);
		thread_resume(t);
	}
	else if (p->on_wanted_stop)
		p->on_wanted_stop(p, t, p->on_new_arg);
	/* else the checker takes it */
}

void proc_serve_events(struct proc *p, double deadline, struct thread *until)
{
	sigset_t set;
	block_sigchld(&set);
	for (;;) {
		int status;
		pid_t r = waitpid(-1, &status, __WALL | WNOHANG);
		if (r > 0) {
			serve_one(p, r, status);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return;   /* ECHILD: nothing traced is left */
		if (until && (until->stopped || until->gone || !until->want_stop))
			return;
		double left = deadline - mono_now();
		if (left <= 0)
			return;
		if (left > 0.01)
			left = 0.01;   /* a lost wakeup costs at most this */
		struct timespec ts = { 0, (long)(left * 1e9) };
		sigtimedwait(&set, NULL, &ts);
	}
}

int thread_stop_alone(struct proc *p, struct thread *t, double max_wait)
{
	if (t->gone)
		return -1;
	t->want_stop = true;
	if (!t->stopped) {
		if (thread_interrupt(t) != 0 && errno == ESRCH) {
			t->gone = true;
			return -1;
		}
		proc_serve_events(p, mono_now() + max_wait, t);
	}
	if (t->gone)
		return -1;
	return t->stopped ? 1 : 0;
}

int thread_hold(struct proc *p, struct thread *t)
{
	if (t->stopped)
		return 0;
	/* the signals it stopped for since it was let go are delivered
	 * first: held, they would come back at every system call made
	 * through it */
	proc_serve_events(p, mono_now(), NULL);
	if (t->stopped)
		return 0;   /* (a stop suture asked for, kept for it) */
	int rc = thread_stop_alone(p, t, 5.0);
	if (rc == 1)
		return 0;
	if (!proc_alive(p))
		return err_proc_exited(p);
	if (rc < 0)
		return err_set("thread %d of process %d exited while suture was working in it", t->tid, p->pid);
	return err_set("thread %d of process %d does not stop (is it traced or frozen?)", t->tid, p->pid);
}
