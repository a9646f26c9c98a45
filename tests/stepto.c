/* stepto PID TID ADDR: single-steps thread TID of process PID until its
 * next instruction is the one at ADDR (hex), then leaves the whole process
 * stopped there, as SIGSTOP stops it: a group stop the kernel keeps after
 * this helper has gone, which suture finds and keeps (docs/runtime.md,
 * "Signals and system calls").  The test then runs suture and continues
 * the process with SIGCONT.
 *
 * How: PTRACE_SEIZE + PTRACE_INTERRUPT the thread alone, PTRACE_SINGLESTEP
 * it until its rip is ADDR, SIGSTOP to the process (the other threads
 * stop; the traced one cannot take the signal while it is held), and
 * PTRACE_DETACH: the kernel puts the detached thread into the pending
 * group stop before it runs one more instruction.
 *
 * Prints "rip=0x..." as /proc/PID/task/TID/syscall tells it once
 * everything is stopped (the kernel's word, not this helper's), and
 * exits 0; exits 1 with a message if ADDR was not reached within the
 * steps allowed. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_STEPS 5000000L

static void die(const char *what)
{
	fprintf(stderr, "stepto: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The state letter of /proc/PID/task/TID/stat ('T': stopped). */
static char task_state(int pid, int tid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/task/%d/stat", pid, tid);
	FILE *f = fopen(path, "r");
	if (!f)
		return '?';
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *close = strrchr(buf, ')');
	return close && close[1] == ' ' ? close[2] : '?';
}

/* Waits until every thread of PID but SKIP (0: none) is group-stopped. */
static void wait_stopped(int pid, int skip)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", pid);
	for (int tries = 0; tries < 10000; tries++) {
		DIR *d = opendir(path);
		if (!d)
			die("cannot list the threads");
		int running = 0;
		for (struct dirent *e; (e = readdir(d));) {
			int tid = atoi(e->d_name);
			if (tid > 0 && tid != skip && task_state(pid, tid) != 'T')
				running++;
		}
		closedir(d);
		if (!running)
			return;
		nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
	}
	errno = ETIMEDOUT;
	die("the process did not stop");
}

static unsigned long long rip_of(int tid)
{
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, tid, NULL, &regs) < 0)
		die("PTRACE_GETREGS");
	return regs.rip;
}

/* Single-steps TID until its rip is ADDR; 0, or -1 if not within MAX_STEPS. */
static int step_to(int tid, unsigned long long addr)
{
	for (long i = 0; i < MAX_STEPS; i++) {
		if (rip_of(tid) == addr)
			return 0;
		if (ptrace(PTRACE_SINGLESTEP, tid, NULL, NULL) < 0)
			die("PTRACE_SINGLESTEP");
		int status;
		if (waitpid(tid, &status, __WALL) < 0)
			die("waitpid");
		if (!WIFSTOPPED(status)) {
			errno = ESRCH;
			die("the thread is gone");
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: stepto PID TID ADDR\n");
		return 2;
	}
	int pid = atoi(argv[1]), tid = atoi(argv[2]);
	unsigned long long addr = strtoull(argv[3], NULL, 16);
	int status;
	if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) < 0)
		die("PTRACE_SEIZE");
	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL) < 0 || waitpid(tid, &status, __WALL) < 0)
		die("PTRACE_INTERRUPT");
	if (step_to(tid, addr) < 0) {
		ptrace(PTRACE_DETACH, tid, NULL, NULL);
		fprintf(stderr, "stepto: thread %d never reached 0x%llx in %ld steps\n", tid, addr, MAX_STEPS);
		return 1;
	}
	if (kill(pid, SIGSTOP) < 0)
		die("SIGSTOP");
	wait_stopped(pid, tid);
	if (ptrace(PTRACE_DETACH, tid, NULL, NULL) < 0)
		die("PTRACE_DETACH");
	wait_stopped(pid, 0);
	char path[64], line[256] = "";
	snprintf(path, sizeof path, "/proc/%d/task/%d/syscall", pid, tid);
	FILE *f = fopen(path, "r");
	if (!f || !fgets(line, sizeof line, f))
		die("cannot read the thread's syscall file");
	fclose(f);
	/* "-1 SP PC": stopped outside any system call */
	char *pc = strrchr(line, ' ');
	printf("rip=%s", pc ? pc + 1 : line);
	return 0;
}
