/* Waiting until a process's dynamic loader is consistent.  A process that
 * has just exec'd runs to its entry point (watch/entry_break.h).  Else
 * (a dlopen) the loader's thread is stopped at each of its system calls
 * (PTRACE_SYSCALL), and r_debug read there.  The loader makes system calls while it works
 * (open, mmap, mprotect, close), and so does the program soon after, so
 * the first stop after the state turns RT_CONSISTENT comes early.
 * (A hardware watchpoint on r_state would stop exactly at the change, but
 * debug registers do not work in every virtual machine: they do not on
 * the Firecracker VMs this was developed on.) */
#include "watch/entry_break.h"
#include "watch/hold.h"
#include "watch/settle.h"
#include "common/error.h"
#include "runtime/runtime.h"

#include <errno.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/wait.h>

static void on_alarm(int sig) { (void)sig; }

/* Arms the timeout that interrupts waitpid() (no SA_RESTART). */
static void arm_timeout(int timeout_ms)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { .it_value = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

static void disarm_timeout(void)
{
	struct itimerval off = { 0 };
	setitimer(ITIMER_REAL, &off, NULL);
}

/* Stops TID (seized) and waits for the stop. */
static int interrupt_and_wait(pid_t tid)
{
	int status;
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0)
		return -1;
	while (waitpid(tid, &status, __WALL) < 0)
		if (errno != EINTR)
			return -1;
	return WIFSTOPPED(status) ? 0 : -1;
}

/* Lets the stopped TID run to its next system call (entry or exit), or
 * the timeout; a signal that stops it on the way is passed on to it.
 * 0 stopped, -1 gone or timed out (stopped again if it still exists). */
static int run_to_next_syscall(pid_t tid, int *pass_sig)
{
	for (;;) {
		int status;
		if (ptrace(PTRACE_SYSCALL, tid, 0, *pass_sig) < 0)
			return -1;
		*pass_sig = 0;
		if (waitpid(tid, &status, __WALL) < 0) {
			if (errno == EINTR)
				interrupt_and_wait(tid);
			return -1;
		}
		if (!WIFSTOPPED(status))
			return -1;
		int sig = WSTOPSIG(status), event = status >> 16;
		if (sig == (SIGTRAP | 0x80))
			return 0;
		if (event == 0)
			*pass_sig = sig;       /* a real signal: the program gets it */
	}
}

/* Is the loader done, and does READY hold? */
static int done(const struct loader *ld, settle_ready ready, void *ctx)
{
	struct loader_now now;
	if (loader_read(ld, &now) < 0)
		return -1;
	return now.started && now.consistent && ready(ld->pid, ctx);
}

/* Follows TID from system call to system call until done. */
/* Lets TID go; HOLD: after a SIGSTOP to its process, which stops it (and
 * its other threads) as soon as it runs.  *HELD says whether it did. */
static void let_go(pid_t tid, pid_t pid, int pass_sig, bool hold, bool *held)
{
	*held = hold && pass_sig == 0 && hold_begin(pid) == 0;
	err_clear();
	ptrace(PTRACE_DETACH, tid, 0, pass_sig);
}

static int follow_syscalls(pid_t tid, const struct loader *ld, settle_ready ready, void *ctx,
			   bool hold, bool *held)
{
	int pass_sig = 0, d, n = 0;
	while ((d = done(ld, ready, ctx)) == 0) {
		/* (READY reads the process's maps and files: asked only once
		 * the loader is consistent, or many system calls went by) */
		if (++n > SETTLE_MAX_SYSCALLS && !ready(ld->pid, ctx))
			break;
		if (run_to_next_syscall(tid, &pass_sig) < 0)
			break;
	}
	let_go(tid, ld->pid, pass_sig, hold && d == 1, held);
	if (d == 1)
		return 0;
	if (n > SETTLE_MAX_SYSCALLS || !runtime_pid_usable(ld->pid))
		return SETTLE_NOT_MAPPED;
	return err_set("thread %d: its dynamic loader did not finish in time", tid);
}

int settle_loader(pid_t tid, const struct loader *ld, int timeout_ms, settle_ready ready, void *ctx,
		  bool hold, bool *held)
{
	struct loader_now now;
	*held = false;
	if (!ld->r_debug)
		return ready(ld->pid, ctx) ? 0 : SETTLE_NOT_MAPPED;
	if (ptrace(PTRACE_SEIZE, tid, 0, PTRACE_O_TRACESYSGOOD) < 0)
		return err_set_errno("thread %d: cannot trace it to wait for its dynamic loader", tid);
	arm_timeout(timeout_ms);
	int rc;
	if (interrupt_and_wait(tid) < 0 || loader_read(ld, &now) < 0) {
		rc = err_set("thread %d: cannot stop it", tid);
		ptrace(PTRACE_DETACH, tid, 0, 0);
	} else if (tid == ld->pid && (!now.started || before_entry(ld->pid))) {
		/* Starting: everything is there at the entry point, and a
		 * process held there has run none of its own code. */
		rc = run_to_entry(tid);
		if (rc == 0 && !ready(ld->pid, ctx))
			rc = SETTLE_NOT_MAPPED;
		let_go(tid, ld->pid, 0, hold && rc == 0, held);
	} else {
		/* Not held: it is somewhere in its own code, or in a dlopen
		 * in any thread. */
		rc = follow_syscalls(tid, ld, ready, ctx, false, held);
	}
	disarm_timeout();
	return rc;
}
