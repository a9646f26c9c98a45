/* Seizing, stopping and releasing the threads of a process with ptrace.
 *
 * PTRACE_SEIZE (not ATTACH) so that no SIGSTOP is invented, PTRACE_INTERRUPT
 * to stop, PTRACE_O_TRACECLONE so a thread created while we attach is traced
 * from its first instruction.  A thread that stops for a real signal keeps
 * that signal (held_sig) and gets it back when released, so the process
 * loses none of its signals. */
#include "runtime/proc.h"
#include "runtime/async_call.h"
#include "runtime/trampoline.h"
#include "common/error.h"
#include "common/util.h"

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PF_KTHREAD 0x00200000

/* Reads /proc/PID/stat; *FIELDS points at its third field, the state
 * letter.  The command name before it is in parentheses and may itself hold
 * spaces and ')', hence the last ')'.  Returns the buffer to free, or NULL. */
static char *read_proc_stat(pid_t pid, const char **fields)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	size_t len;
	char *stat = read_whole_file(path, &len);
	if (!stat)
		return NULL;
	char *c = strrchr(stat, ')');
	if (!c || c[1] != ' ' || c[2] == '\0') {
		free(stat);
		return NULL;
	}
	*fields = c + 2;
	return stat;
}

/* Field 9 of /proc/PID/stat: the task flags, where PF_KTHREAD marks a
 * kernel thread (it has no user memory to patch). */
static bool is_kernel_thread(pid_t pid)
{
	const char *fields;
	char *stat = read_proc_stat(pid, &fields);
	if (!stat)
		return false;
	unsigned long flags = 0;
	sscanf(fields, "%*c %*d %*d %*d %*d %*d %lu", &flags);
	free(stat);
	return flags & PF_KTHREAD;
}

struct proc *proc_open(pid_t pid)
{
	char path[64];
	if (pid <= 0) {
		err_set("%d is not a process ID", pid);
		return NULL;
	}
	snprintf(path, sizeof path, "/proc/%d", pid);
	if (access(path, F_OK) != 0) {
		err_set("no process with PID %d; check the PID (ps, pgrep)", pid);
		return NULL;
	}
	if (is_kernel_thread(pid)) {
		err_set("PID %d is a kernel thread; only user-space processes can be patched", pid);
		return NULL;
	}
	struct proc *p = xcalloc(1, sizeof *p);
	p->pid = pid;
	p->mem_fd = -1;
	p->saved_policy = -1;
	snprintf(path, sizeof path, "/proc/%d/comm", pid);
	read_first_line(path, p->comm, sizeof p->comm);
	snprintf(path, sizeof path, "/proc/%d/mem", pid);
	p->mem_fd = open(path, O_RDWR | O_CLOEXEC);
	if (p->mem_fd < 0) {
		if (errno == EACCES || errno == EPERM)
			err_set("no permission to trace process %d (%s): run suture as its owner or as root",
				pid, p->comm);
		else if (errno == ENOENT || errno == ESRCH)
			err_set("process %d exited; nothing to do", pid);
		else
			err_set_errno("cannot open %s", path);
		proc_close(p);
		return NULL;
	}
	return p;
}

static void raise_priority(struct proc *p);
static void restore_priority(struct proc *p);

void proc_finish(struct proc *p)
{
	/* the runner first: it may go through the trampoline */
	runner_release(p);
	if (p->tramp && proc_alive(p)) {
		/* every thread has its registers back: nothing runs in it */
		tramp_remove(p);
	}
	proc_release(p);
}

void proc_close(struct proc *p)
{
	if (!p)
		return;
	proc_finish(p);
	if (p->mem_fd >= 0)
		close(p->mem_fd);
	for (size_t i = 0; i < p->nthreads; i++) {
		free(p->threads[i]->held_why);
		free(p->threads[i]);
	}
	free(p->threads);
	free(p);
}

struct thread *proc_thread(struct proc *p, pid_t tid)
{
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i]->tid == tid)
			return p->threads[i];
	return NULL;
}

struct thread *proc_add_thread(struct proc *p, pid_t tid)
{
	p->threads = xrealloc(p->threads, (p->nthreads + 1) * sizeof *p->threads);
	struct thread *t = xcalloc(1, sizeof *t);
	p->threads[p->nthreads++] = t;
	t->tid = tid;
	t->proc = p;
	t->univ = -1;
	char path[96];
	snprintf(path, sizeof path, "/proc/%d/task/%d/comm", p->pid, tid);
	read_first_line(path, t->comm, sizeof t->comm);
	return t;
}

bool pid_is_running(pid_t pid)
{
	const char *fields;
	char *stat = read_proc_stat(pid, &fields);
	if (!stat)
		return false;
	bool alive = fields[0] != 'Z' && fields[0] != 'X';
	free(stat);
	return alive;
}

bool pid_is_stopped(pid_t pid)
{
	const char *fields;
	char *stat = read_proc_stat(pid, &fields);
	bool stopped = stat && fields[0] == 'T';
	free(stat);
	return stopped;
}

bool proc_alive(struct proc *p)
{
	return pid_is_running(p->pid);
}

int err_proc_exited(struct proc *p)
{
	return err_set("process %d (%s) exited while suture was working in it; nothing to undo", p->pid, p->comm);
}

static bool proc_holds_any(struct proc *p)
{
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i]->seized && !p->threads[i]->gone)
			return true;
	return false;
}

static uint64_t now_ns(void);

double mono_now(void)
{
	return (double)now_ns() / 1e9;
}

/* PTRACE_INTERRUPT, noting when: a thread may stop any time after it,
 * before suture sees the stop (for the upper bound in runtime_stats). */
long thread_interrupt(struct thread *t)
{
	if (!t->asked_at)
		t->asked_at = now_ns();
	return ptrace(PTRACE_INTERRUPT, t->tid, 0, 0);
}

static int seize(struct proc *p, struct thread *t, bool stop)
{
	if (ptrace(PTRACE_SEIZE, t->tid, 0, PTRACE_O_TRACECLONE | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC) != 0) {
		if (errno == ESRCH || (errno == EPERM && proc_holds_any(p))) {
			/* exited before we could seize it (the kernel says EPERM for
			 * a thread that is exiting; permission is per process, and
			 * we hold another thread of it) */
			t->gone = true;
			return 0;
		}
		if (errno == EPERM && !pid_is_running(p->pid))
			return err_set("process %d (%s) exited; nothing to do", p->pid, p->comm);
		if (errno == EPERM)
			return err_set("no permission to trace process %d (%s): run suture as its owner "
				       "or as root, and check it is not already traced (gdb, strace) "
				       "and that /proc/sys/kernel/yama/ptrace_scope allows it",
				       p->pid, p->comm);
		return err_set_errno("cannot trace thread %d of process %d", t->tid, p->pid);
	}
	t->seized = true;
	if (!stop)
		return 0;
	if (thread_interrupt(t) != 0 && errno != ESRCH)
		return err_set_errno("cannot stop thread %d of process %d", t->tid, p->pid);
	return 0;
}

int thread_wait_stop(struct proc *p, struct thread *t, int *status_out)
{
	return thread_wait(p, t, status_out, false);
}

struct runtime_stats runtime_stats;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void stop_mark(const char *what)
{
	if (strcmp(what, "start") == 0)
		runtime_stats.nmarks = 0;
	if (runtime_stats.nmarks < sizeof runtime_stats.marks / sizeof runtime_stats.marks[0]) {
		runtime_stats.marks[runtime_stats.nmarks].what = what;
		runtime_stats.marks[runtime_stats.nmarks++].ns = now_ns();
	}
}

void stop_marks_format(char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 1; i < runtime_stats.nmarks && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s=%.1fus", i > 1 ? " " : "",
					runtime_stats.marks[i].what,
					(runtime_stats.marks[i].ns - runtime_stats.marks[i - 1].ns) / 1000.0);
}

/* How long T was stopped, for the figures in bench/. */
static void note_resumed(struct thread *t)
{
	if (!t->stopped || !t->stopped_at)
		return;
	uint64_t now = now_ns();
	uint64_t d = now - t->stopped_at;
	if (d > runtime_stats.longest_stop_ns)
		runtime_stats.longest_stop_ns = d;
	uint64_t bound = now - (t->asked_at && t->asked_at < t->stopped_at ? t->asked_at : t->stopped_at);
	if (bound > runtime_stats.longest_bound_ns)
		runtime_stats.longest_bound_ns = bound;
	t->asked_at = 0;
	runtime_stats.stops++;
}

void thread_defer_signal(struct thread *t, int sig)
{
	if (sig > 0 && sig <= 64)
		t->deferred[sig]++;
}

void thread_defer_held_signal(struct thread *t)
{
	thread_defer_signal(t, t->held_sig);
	t->held_sig = 0;
}

bool thread_forget_signal(struct thread *t, int sig)
{
	if (t->held_sig == sig) {
		t->held_sig = 0;
		return true;
	}
	if (sig <= 0 || sig > 64 || t->deferred[sig] == 0)
		return false;
	t->deferred[sig]--;
	return true;
}

/* While any thread is stopped, suture goes first on its CPU (SCHED_FIFO
 * when allowed): a process of many busy threads would keep it waiting for
 * its turn, the thread stopped meanwhile.  It drops back once the last
 * one runs again (dropping while one is held, it would be preempted
 * there at once). */
static void set_stopped(struct thread *t, bool stopped)
{
	struct proc *p = t->proc;
	if (t->stopped == stopped)
		return;
	t->stopped = stopped;
	if (stopped && p->nstopped++ == 0)
		raise_priority(p);
	else if (!stopped && p->nstopped > 0 && --p->nstopped == 0)
		restore_priority(p);
}

/* Records what a wait status says about thread T. */
void thread_note_status(struct proc *p, struct thread *t, int status, bool trap_is_ours)
{
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		t->gone = true;
		set_stopped(t, false);
		return;
	}
	if (!t->stopped) {
		t->stopped_at = now_ns();
		t->checked = false;
	}
	t->at_clone = (status >> 16) == PTRACE_EVENT_CLONE;
	set_stopped(t, true);
	int event = status >> 16;
	int sig = WSTOPSIG(status);
	t->at_signal_stop = false;
	if (event == PTRACE_EVENT_STOP)
		t->group_stop = sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
	if (event == PTRACE_EVENT_CLONE) {
		unsigned long new_tid = 0;
		ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &new_tid);
		if (new_tid && !proc_thread(p, (pid_t)new_tid)) {
			struct thread *nt = proc_add_thread(p, (pid_t)new_tid);
			nt->seized = true;
			nt->fresh = true;   /* auto-attached; it reports a PTRACE_EVENT_STOP */
		}
	} else if (event == PTRACE_EVENT_EXEC) {
		p->execed = true;
	} else if (event == 0 && sig == (SIGTRAP | 0x80)) {
		/* a system-call stop (ours: PTRACE_SYSCALL): not a signal */
	} else if (event == 0 && sig == SIGTRAP && trap_is_ours) {
		/* our own single-step or breakpoint: not the program's signal */
	} else if (event == 0) {
		/* A signal-delivery stop: the signal was dequeued; keep it for
		 * release.  More while we hold the first are counted and sent
		 * again when the thread is let go (sent again now, each would
		 * stop it again at once, and a system call made through it
		 * would never run). */
		if (t->held_sig == 0)
			t->held_sig = sig;
		else
			thread_defer_signal(t, sig);
		t->at_signal_stop = true;
	}
}

/* Waits for the next event of thread T.  Events of the other threads
 * are recorded as they come: waiting for one thread alone could wait
 * forever (an exiting leader is reported only after its threads). */
int thread_wait(struct proc *p, struct thread *t, int *status_out, bool trap_is_ours)
{
	for (;;) {
		int status;
		pid_t r = waitpid(-1, &status, __WALL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			t->gone = true;   /* ECHILD: nothing traced is left */
			set_stopped(t, false);
			return -1;
		}
		struct thread *who = proc_thread(p, r);
		if (!who) {
			/* a new thread reporting before its parent's clone event */
			who = proc_add_thread(p, r);
			who->seized = true;
			who->fresh = true;
		}
		thread_note_status(p, who, status, who == t && trap_is_ours);
		if (who != t)
			continue;
		if (status_out)
			*status_out = status;
		return t->gone ? -1 : status;
	}
}

/* Waits for every seized thread that is not yet stopped. */
static int wait_all_stopped(struct proc *p)
{
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread *t = p->threads[i];
		if (t->seized && !t->stopped && !t->gone)
			thread_wait_stop(p, t, NULL);   /* may append threads: index again */
	}
	return 0;
}

/* Seizes the threads listed in /proc/PID/task that we do not hold yet;
 * returns how many were new, or -1. */
static int seize_new_tasks(struct proc *p, bool stop)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", p->pid);
	DIR *dir = opendir(path);
	if (!dir)
		return err_set("process %d exited; nothing was changed", p->pid);
	int added = 0;
	struct dirent *de;
	while ((de = readdir(dir))) {
		pid_t tid = atoi(de->d_name);
		struct thread *t = tid > 0 ? proc_thread(p, tid) : NULL;
		if (tid <= 0 || (t && (t->seized || t->gone)))
			continue;
		if (!t)
			t = proc_add_thread(p, tid);   /* else released earlier: seize again */
		if (seize(p, t, stop) < 0) {
			closedir(dir);
			return -1;
		}
		added++;
	}
	closedir(dir);
	return added;
}

int proc_seize_one(struct proc *p, struct thread **out)
{
	/* found while the threads run: looking reads every object's file */
	if (tramp_install(p) < 0)
		return -1;
	struct thread *t = proc_thread(p, p->pid);
	if (!t)
		t = proc_add_thread(p, p->pid);
	if (!t->seized && !t->gone && seize(p, t, true) < 0)
		return -1;
	if (!t->gone && !t->stopped)
		thread_wait_stop(p, t, NULL);
	t = proc_thread(p, p->pid);
	if (t->gone) {
		/* The leader exited (a zombie leader with live threads): use any thread. */
		if (proc_seize_all(p) < 0)
			return -1;
		for (size_t i = 0; i < p->nthreads; i++)
			if (!p->threads[i]->gone) {
				*out = p->threads[i];
				return 0;
			}
		return err_set("process %d exited; nothing was changed", p->pid);
	}
	*out = t;
	return 0;
}

int proc_seize_all(struct proc *p)
{
	/* threads we hold but let run (proc_resume_all) are stopped again */
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread *t = p->threads[i];
		if (t->seized && !t->stopped && !t->gone)
			if (thread_interrupt(t) != 0 && errno == ESRCH)
				t->gone = true;
	}
	for (;;) {
		int added = seize_new_tasks(p, true);
		if (added < 0)
			return -1;
		size_t before = p->nthreads;
		wait_all_stopped(p);
		if (added == 0 && p->nthreads == before)
			break;
	}
	for (size_t i = 0; i < p->nthreads; i++)
		if (!p->threads[i]->gone)
			return 0;
	return err_set("process %d exited; nothing was changed", p->pid);
}

/* Does the kernel count as many threads in the process as we hold?  One
 * read of /proc/PID/stat (field 20, num_threads) instead of a directory
 * listing while everything is stopped.  With every held thread stopped,
 * none can exit or clone, so equal counts mean no thread escaped us. */
static bool holds_every_thread(struct proc *p)
{
	const char *fields;
	char *stat = read_proc_stat(p->pid, &fields);
	if (!stat)
		return false;
	long num_threads = -1;
	sscanf(fields, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %ld",
	       &num_threads);
	free(stat);
	long held = 0;
	for (size_t i = 0; i < p->nthreads; i++)
		held += p->threads[i]->seized && !p->threads[i]->gone;
	return num_threads == held;
}

/* Waits for the next event of T alone. */
static void wait_this(struct proc *p, struct thread *t)
{
	int status;
	while (waitpid(t->tid, &status, __WALL) < 0) {
		if (errno != EINTR) {
			t->gone = true;
			set_stopped(t, false);
			return;
		}
	}
	thread_note_status(p, t, status, false);
}

static void report_new_stops(struct proc *p, stopped_fn stopped, void *arg)
{
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread *t = p->threads[i];
		if (t->seized && t->stopped && !t->gone && !t->checked) {
			t->checked = true;
			stopped(t, arg);
		}
	}
}

/* Real-time priority (when allowed) while a thread is stopped
 * (set_stopped): each thread suture wakes would otherwise preempt it on
 * its CPU, and every thread still held would wait meanwhile (measured:
 * 100 detaches take ~0.45 ms instead of ~0.8 ms on 2 busy cores). */
static void raise_priority(struct proc *p)
{
	if (p->saved_policy >= 0)
		return;
	struct sched_param old, rt = { .sched_priority = 1 };
	int policy = sched_getscheduler(0);
	if (policy < 0 || sched_getparam(0, &old) != 0)
		return;
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &rt) == 0) {
		p->saved_policy = policy;
		p->saved_priority = old.sched_priority;
	}
}

static void restore_priority(struct proc *p)
{
	if (p->saved_policy < 0)
		return;
	struct sched_param old = { .sched_priority = p->saved_priority };
	sched_setscheduler(0, p->saved_policy, &old);
	p->saved_policy = -1;
}

int proc_stop_all(struct proc *p, stopped_fn stopped, void *arg)
{
	/* every PTRACE_INTERRUPT first: the threads wake in parallel */
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread *t = p->threads[i];
		t->checked = false;   /* a new look at every thread, stopped already or not */
		if (t->seized && !t->stopped && !t->gone)
			if (thread_interrupt(t) != 0 && errno == ESRCH)
				t->gone = true;
	}
	for (;;) {
		/* In the order of the interrupts, so each thread is looked at
		 * as soon as it stops (waitpid(-1) reports the last seized
		 * first).  The leader last: an exiting leader is reported only
		 * after its threads.  nthreads grows as clone events are seen. */
		bool waited;
		do {
			waited = false;
			for (size_t i = 0; i < p->nthreads; i++) {
				struct thread *t = p->threads[i];
				if (t->tid != p->pid && t->seized && !t->stopped && !t->gone) {
					wait_this(p, t);
					waited = true;
				}
				report_new_stops(p, stopped, arg);
			}
			struct thread *leader = proc_thread(p, p->pid);
			if (leader && leader->seized && !leader->stopped && !leader->gone) {
				thread_wait_stop(p, leader, NULL);
				waited = true;
			}
			report_new_stops(p, stopped, arg);
		} while (waited);
		stopped(NULL, arg);
		if (holds_every_thread(p))
			break;
		/* a thread that escaped PTRACE_O_TRACECLONE (cloned while we
		 * seized its parent), or an exited leader: list them */
		int added = seize_new_tasks(p, true);
		if (added < 0)
			return -1;
		if (added == 0)
			break;
	}
	for (size_t i = 0; i < p->nthreads; i++)
		if (!p->threads[i]->gone)
			return 0;
	return err_set("process %d exited; nothing was changed", p->pid);
}

/* The signal T was stopped for, given back: injected when T is at a
 * signal-delivery stop now (its siginfo intact); at any other stop the
 * kernel would ignore it, so it is sent again (tkill).  Returns the signal
 * to inject. */
static int give_held_signal(struct thread *t)
{
	int sig = t->held_sig;
	if (!sig || t->at_signal_stop)
		return sig;
	thread_defer_signal(t, sig);
	return 0;
}

/* The signals counted while T was held, sent to it again (each stops it
 * once more, and is delivered then). */
void thread_send_deferred(struct thread *t)
{
	for (int sig = 1; sig <= 64; sig++)
		for (; t->deferred[sig]; t->deferred[sig]--)
			syscall(SYS_tkill, t->tid, sig);
}

void thread_resume(struct thread *t)
{
	if (!t->seized || !t->stopped || t->gone)
		return;
	note_resumed(t);
	t->fresh = false;
	t->want_stop = false;
	/* a process stopped by SIGSTOP stays stopped: listen, not run */
	int sig = t->group_stop ? 0 : give_held_signal(t);
	if (ptrace(t->group_stop ? PTRACE_LISTEN : PTRACE_CONT, t->tid, 0, sig) != 0 && errno == ESRCH)
		t->gone = true;
	set_stopped(t, false);   /* (listening counts as running: interrupt it to use it) */
	if (!t->group_stop)
		t->held_sig = 0;   /* else its held signal waits for the release */
	/* in a call suture sent it to, its signals wait for the end */
	if (!t->group_stop && !t->defer_signals && !t->gone)
		thread_send_deferred(t);
}

int thread_run(struct thread *t)
{
	if (ptrace(PTRACE_CONT, t->tid, 0, 0) != 0)
		return -1;
	set_stopped(t, false);
	return 0;
}

int proc_resume_all(struct proc *p)
{
	/* (suture stays first on its CPU until the last one runs again:
	 * set_stopped) */
	for (size_t i = 0; i < p->nthreads; i++)
		thread_resume(p->threads[i]);
	return 0;
}

int proc_seize_running(struct proc *p)
{
	for (;;) {
		int added = seize_new_tasks(p, false);
		if (added <= 0)
			return added;
	}
}


/* Lets stopped thread T go for good, with the signals that wait for it. */
static void detach(struct thread *t)
{
	note_resumed(t);
	ptrace(PTRACE_DETACH, t->tid, 0, give_held_signal(t));
	thread_send_deferred(t);   /* pending now, delivered by the kernel */
	t->seized = false;
}

void proc_release(struct proc *p)
{
	/* (a thread let go does not preempt the loop letting the others go:
	 * suture is first on its CPU while any is stopped, set_stopped) */
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i]->seized && !p->threads[i]->gone && p->threads[i]->stopped)
			detach(p->threads[i]);
	/* A running tracee cannot be detached: each is asked to stop, and let
	 * go the moment it does (none waits for another's stop). */
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i]->seized && !p->threads[i]->gone)
			thread_interrupt(p->threads[i]);
	while (proc_holds_any(p)) {
		int status;
		pid_t r = waitpid(-1, &status, __WALL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;   /* ECHILD: nothing traced is left */
		struct thread *who = proc_thread(p, r);
		if (!who) {
			/* a thread created meanwhile: let go too */
			who = proc_add_thread(p, r);
			who->seized = true;
		}
		thread_note_status(p, who, status, false);
		if (who->seized && !who->gone && who->stopped)
			detach(who);
	}
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread *t = p->threads[i];
		t->seized = false;
		set_stopped(t, false);
		t->fresh = false;
		t->want_stop = false;
		t->held_sig = 0;
	}
}

int thread_get_regs(struct thread *t, struct user_regs_struct *regs)
{
	if (ptrace(PTRACE_GETREGS, t->tid, 0, regs) != 0)
		return err_set_errno("cannot read the registers of thread %d", t->tid);
	return 0;
}

int thread_set_regs(struct thread *t, const struct user_regs_struct *regs)
{
	if (ptrace(PTRACE_SETREGS, t->tid, 0, regs) != 0)
		return err_set_errno("cannot set the registers of thread %d", t->tid);
	return 0;
}
