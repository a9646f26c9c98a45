/* A call made by a thread of a process stopped by SIGSTOP (runner.h).
 *
 * Such a thread must not run the program's code: it cannot be let go
 * after the call as a running thread is (async_call.c).  A remote call
 * (inject.h) would keep it, and wake suture at each system call the
 * function makes (a dlopen makes dozens; a process `suture watch` holds
 * at its entry point makes two of them).  Here the thread runs the whole
 * call on its own and, at its end, sends itself a signal the program
 * ignores: traced, that stops it (suture takes the signal back and gives
 * it its registers); two wake-ups in all.  If suture dies meanwhile, the
 * kernel stops the thread with the rest of its process (it is stopped);
 * once continued, it finishes the call, the signal does nothing, and it
 * gives itself its registers back (trampoline.h). */
#include "runtime/runner.h"
#include "runtime/inject.h"
#include "runtime/redirect.h"
#include "common/error.h"
#include "common/util.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>

/* The mask after FIELD ("SigCgt:") in TEXT; all ones if absent. */
static uint64_t status_mask(const char *text, const char *field)
{
	const char *at = text ? strstr(text, field) : NULL;
	return at ? strtoull(at + strlen(field), NULL, 16) : ~0ull;
}

/* A signal whose arrival does nothing to T but stop it while traced:
 * ignored by default or by the program, caught by no handler, not
 * blocked by T; 0 if none.  (Its process is stopped: the handlers and
 * masks read now stay as they are.) */
static int quiet_signal(struct proc *p, struct thread *t)
{
	static const int candidates[] = { SIGURG, SIGWINCH, SIGCHLD };
	char path[64];
	size_t len;
	snprintf(path, sizeof path, "/proc/%d/task/%d/status", p->pid, t->tid);
	char *text = read_whole_file(path, &len);
	uint64_t caught = status_mask(text, "SigCgt:"), blocked = status_mask(text, "SigBlk:");
	free(text);
	for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
		uint64_t bit = 1ull << (candidates[i] - 1);
		if (!(caught & bit) && !(blocked & bit))
			return candidates[i];
	}
	return 0;
}

/* Is T's current stop the signal the runner sends at the end of the
 * call?  (Then it is not the program's: taken back.) */
static bool stopped_itself(struct proc *p, struct thread *t, uint64_t data, int sig)
{
	siginfo_t si;
	uint32_t done = 0;
	if (!t->at_signal_stop || ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) != 0 || si.si_signo != sig ||
	    si.si_code != SI_TKILL || si.si_pid != p->pid ||
	    mem_read(p, data + offsetof(struct runner_data, done), &done, 4) < 0 || !done)
		return false;
	return thread_forget_signal(t, sig);
}

/* Lets T run until it stops itself at the end of the call, or TIMEOUT;
 * the signals it receives meanwhile wait for its release. */
static int run_until_stopped_itself(struct proc *p, struct thread *t, uint64_t data, int sig, double timeout)
{
	/* its stops are this wait's, not a transition check's (events.c) */
	void (*checker)(struct proc *, struct thread *, void *) = p->on_wanted_stop;
	p->on_wanted_stop = NULL;
	double deadline = mono_now() + timeout;
	int rc = 0;
	t->want_stop = true;
	while (rc == 0) {
		thread_defer_held_signal(t);
		if (thread_run(t) < 0) {
			rc = err_set_errno("cannot run thread %d of process %d", t->tid, p->pid);
			break;
		}
		proc_serve_events(p, deadline, t);
		if (t->gone)
			rc = err_proc_exited(p);
		else if (t->stopped && stopped_itself(p, t, data, sig))
			break;
		else if (mono_now() >= deadline)
			rc = err_set("a call suture made in process %d did not return within %g s", p->pid, timeout);
	}
	t->want_stop = false;
	p->on_wanted_stop = checker;
	return rc;
}

int stopped_call(struct proc *p, struct thread *t, struct runner_data *d, const struct user_regs_struct *regs,
		 double timeout, uint64_t *ret)
{
	uint64_t data = p->runner + p->runner_code;
	int sig = quiet_signal(p, t);
	if (!sig)
		return 1;
	d->stop_pid = (uint32_t)p->pid;
	d->stop_tid = (uint32_t)t->tid;
	d->stop_sig = (uint32_t)sig;
	if (runner_enter(p, t, d, regs) < 0)
		return -1;
	fault_point("stopped-call");   /* tests: suture dies as the thread is sent to the call */
	if (run_until_stopped_itself(p, t, data, sig, timeout) < 0) {
		/* it may still run there: it restores itself at the end */
		p->runner_stuck = !t->gone;
		return -1;
	}
	const uint32_t left = 1;   /* (a later suture finds the runner idle) */
	if (mem_read(p, data + offsetof(struct runner_data, result), ret, 8) < 0 ||
	    mem_write(p, data + offsetof(struct runner_data, left), &left, 4) < 0)
		return -1;
	return give_back_regs(p, t, regs);
}
