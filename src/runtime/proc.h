/* A traced process: its threads under ptrace, its memory, its maps.
 *
 * Every runtime operation works on one struct proc.  The process is opened
 * without stopping anything (proc_open); threads are seized later, one for
 * remote syscalls (proc_seize_one) and all of them for the switch
 * (proc_seize_running, then proc_stop_all; proc_seize_all where a
 * thread must simply be held).  proc_release lets every thread go with
 * the signals it was about to receive. */
#ifndef SUTURE_RUNTIME_PROC_H
#define SUTURE_RUNTIME_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

struct thread {
	pid_t tid;
	struct proc *proc;      /* the process it belongs to */
	bool seized;
	bool stopped;
	bool gone;              /* exited while we held it */
	int held_sig;           /* signal it was stopped for: delivered on release */
	bool at_signal_stop;    /* its current stop is a signal-delivery stop */
	/* in a call suture sent it to (async_call.h): signals wait for its
	 * end (events.c), counted here by number (real-time ones queue) */
	bool defer_signals;
	uint16_t deferred[65];
	bool group_stop;        /* stopped by SIGSTOP & co.: must stay stopped */
	uint64_t stopped_at;    /* CLOCK_MONOTONIC ns when its current stop began */
	uint64_t asked_at;      /* when it was sent PTRACE_INTERRUPT, 0 if not */
	/* created while traced and not run yet: it stands at the start of
	 * its life (in clone), with nothing of the program on its stack */
	bool fresh;
	/* stopped at a clone event: right after clone's syscall, where
	 * glibc has no unwind information (on purpose, for the child) */
	bool at_clone;
	bool checked;           /* looked at during its current stop (proc_stop_all) */
	/* `thread` model: suture asked it to stop to check it (events.c
	 * leaves such a stop for the checker; any other stop is served and
	 * the thread let go at once) */
	bool want_stop;
	int univ;               /* its universe as suture last set it; -1 unknown */
	char *held_why;         /* `thread` model: why its last check kept it where it was */
	uint64_t fs_base;       /* its thread pointer, read while it was stopped; 0 unknown */
	/* registers read during the current stop, lent to the unwinder */
	const struct user_regs_struct *walk_regs;
	char comm[32];
};

struct proc {
	pid_t pid;
	int mem_fd;             /* /proc/PID/mem, read-write */
	char comm[32];
	struct thread **threads;    /* pointers stay valid as threads are added */
	size_t nthreads;
	uint64_t syscall_insn;  /* address of a `syscall` instruction in the process */
	uint64_t int3_insn;     /* address of an int3 byte in the process */
	uint64_t tramp;         /* the trampoline (trampoline.h), 0 if none */
	uint64_t tramp_room;    /* where it goes, once found */
	bool tramp_absent;      /* looked for room, found none */
	/* a thread suture lost hold of may still be in it: never zeroed nor
	 * used again (it gives that thread its registers back itself) */
	bool tramp_kept;
	/* suture's own scheduling before set_stopped raised it, while a
	 * thread is stopped (-1: not raised) */
	int saved_policy;
	int saved_priority;
	size_t nstopped;        /* threads stopped now (suture is first on its CPU meanwhile) */
	bool execed;            /* a thread ran execve: the patched image is gone */
	/* the runner of calls made by running threads (async_call.h): mapped
	 * at the first such call, reused, unmapped by proc_finish */
	uint64_t runner;        /* its address, 0 none */
	uint64_t runner_code;   /* the size of its code part (the data follows) */
	struct thread *runner_thread;   /* the thread sent to it last */
	bool runner_busy;       /* being mapped or unmapped: system calls go the slow way */
	bool runner_stuck;      /* a call did not end: it stays, unused */
	bool runners_checked;   /* those of a suture killed earlier were looked for */
	/* called for a thread created while suture holds the process, at its
	 * first stop, before it runs (events.c) */
	void (*on_new_thread)(struct proc *p, struct thread *t, void *arg);
	/* called at once for a stop suture asked for (want_stop), if set;
	 * it must let the thread go (events.c) */
	void (*on_wanted_stop)(struct proc *p, struct thread *t, void *arg);
	void *on_new_arg;       /* for both */
};

/* Figures for bench/: the longest time any thread was stopped, over
 * every process handled since the counters were zeroed. */
struct runtime_stats {
	uint64_t longest_stop_ns;       /* from the stop suture saw to the release */
	uint64_t longest_bound_ns;      /* from PTRACE_INTERRUPT: an upper bound */
	uint64_t stops;
	/* the steps of the last switch (stop_mark), for SUTURE_TIMING */
	struct { const char *what; uint64_t ns; } marks[16];
	size_t nmarks;
};
extern struct runtime_stats runtime_stats;
/* Notes the time at a step of the switch (the first mark, "start",
 * forgets the previous switch's marks). */
void stop_mark(const char *what);
/* "step=12.3us step2=..." since the first mark, into BUF. */
void stop_marks_format(char *buf, size_t size);

/* Opens /proc/PID for memory access; refuses kernel threads, missing
 * processes and processes suture may not trace, with a message saying so. */
struct proc *proc_open(pid_t pid);
void proc_close(struct proc *p);

/* Seizes and stops the thread group leader (or any live thread). */
int proc_seize_one(struct proc *p, struct thread **out);
/* Seizes and stops every thread, including threads created meanwhile;
 * loops over /proc/PID/task until no new thread appears. */
int proc_seize_all(struct proc *p);
/* Seizes every thread without stopping it (the costly part of seizing,
 * done before the stop so the stop itself is short). */
int proc_seize_running(struct proc *p);
/* Stops every seized thread (after proc_seize_running or
 * proc_resume_all) and any thread created meanwhile, calling STOPPED for
 * each thread as soon as its stop is reported, while the others are
 * still being stopped, and STOPPED(NULL) when all are.  Returns with all
 * of them stopped. */
typedef void (*stopped_fn)(struct thread *t, void *arg);
int proc_stop_all(struct proc *p, stopped_fn stopped, void *arg);
/* Lets every stopped thread run again (keeping them seized). */
int proc_resume_all(struct proc *p);
/* Removes the trampoline and detaches from every thread: the end of an
 * operation, as soon as nothing more needs a stopped thread. */
void proc_finish(struct proc *p);
/* Detaches from every thread; each gets the signal it was stopped for. */
void proc_release(struct proc *p);

/* Waits until THREAD reports a stop; records a signal it was stopped for
 * in held_sig.  Returns the wait status, or -1 when the thread is gone. */
int thread_wait_stop(struct proc *p, struct thread *t, int *status);
/* Same; with TRAP_IS_OURS a SIGTRAP is taken as our single-step, not held. */
int thread_wait(struct proc *p, struct thread *t, int *status, bool trap_is_ours);
struct thread *proc_thread(struct proc *p, pid_t tid);
struct thread *proc_add_thread(struct proc *p, pid_t tid);
/* Records what wait status STATUS says about thread T. */
void thread_note_status(struct proc *p, struct thread *t, int status, bool trap_is_ours);
/* Signal SIG (or the one T was stopped for, then no longer held) counted
 * in T->deferred: sent to T again when it is next let go (thread_resume,
 * unless defer_signals) or released. */
void thread_defer_signal(struct thread *t, int sig);
void thread_defer_held_signal(struct thread *t);
/* Takes back signal SIG held or counted for T (one that suture itself
 * made T send); false if there is none. */
bool thread_forget_signal(struct thread *t, int sig);
/* Sends T (running) the signals counted for it while it was in a call. */
void thread_send_deferred(struct thread *t);
/* PTRACE_INTERRUPT, noting when (for the figures). */
long thread_interrupt(struct thread *t);
/* Lets stopped thread T run again (kept seized), with the signal it was
 * stopped for; a thread in a group stop only listens. */
void thread_resume(struct thread *t);
/* Lets stopped thread T run, group stop or not, with no signal: into
 * code suture pointed it at (stopped_call.c). */
int thread_run(struct thread *t);

/* Events of seized threads while the process runs (events.c). */
/* Serves every event until DEADLINE (CLOCK_MONOTONIC seconds): signals
 * delivered at once, clone events continued, new threads given to
 * on_new_thread and let go, group stops listened to; a stop suture asked
 * for (want_stop) is given to on_wanted_stop, or left stopped.  Returns
 * as soon as UNTIL (if not NULL) is stopped, handled or gone. */
void proc_serve_events(struct proc *p, double deadline, struct thread *until);
/* Stops T alone (serving the others' events meanwhile), waiting at most
 * MAX_WAIT seconds: 1 stopped, 0 not yet (its stop will come and be kept
 * for the checker), -1 gone. */
int thread_stop_alone(struct proc *p, struct thread *t, double max_wait);
/* Stops seized thread T again (alone) if it runs: suture lets the thread
 * it borrows run between its system calls, so that no stop is long. */
int thread_hold(struct proc *p, struct thread *t);
double mono_now(void);
/* True when the process (its leader) still exists. */
/* Is PID a process that has not exited (not a zombie)? */
bool pid_is_running(pid_t pid);
/* Is PID stopped by SIGSTOP (or SIGTSTP...), as its state says? */
bool pid_is_stopped(pid_t pid);
bool proc_alive(struct proc *p);

/* "process N (comm) exited ..." as the error; returns -1 */
int err_proc_exited(struct proc *p);

int thread_get_regs(struct thread *t, struct user_regs_struct *regs);
int thread_set_regs(struct thread *t, const struct user_regs_struct *regs);

/* Remote memory through /proc/PID/mem (mem.c). */
int mem_read(struct proc *p, uint64_t addr, void *buf, size_t len);
int mem_write(struct proc *p, uint64_t addr, const void *buf, size_t len);

#endif
