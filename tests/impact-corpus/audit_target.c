/* A process for suture audit to look at.  argv[1] says what it does first:
 *   plain   nothing
 *   strict  seccomp strict mode
 *   filter  a seccomp filter that allows every system call
 *   traced  forks; the parent traces the child (PTRACE_SEIZE)
 *   nodump  becomes user nobody and not dumpable
 * Then it prints the pid to audit and "ready", and waits for its standard
 * input to close. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

static void announce(pid_t pid)
{
	char line[64];
	int len = snprintf(line, sizeof line, "%d ready\n", (int)pid);
	if (write(1, line, (size_t)len) != len)
		_exit(1);
}

static void wait_for_eof(void)
{
	char c;
	while (read(0, &c, 1) > 0)
		;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "plain";
	if (strcmp(mode, "strict") == 0) {
		pid_t self = getpid();   /* no getpid once strict */
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) != 0)
			return 1;
		announce(self);
		wait_for_eof();
		syscall(SYS_exit, 0);
	}
	if (strcmp(mode, "filter") == 0) {
		struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		struct sock_fprog prog = { 1, &allow };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
			return 1;
	}
	if (strcmp(mode, "nodump") == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0 ||
		    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
			return 1;
	}
	if (strcmp(mode, "traced") == 0) {
		pid_t child = fork();
		if (child == 0) {
			wait_for_eof();
			_exit(0);
		}
		if (child < 0 || ptrace(PTRACE_SEIZE, child, 0, 0) != 0)
			return 1;
		announce(child);
		wait_for_eof();
		kill(child, SIGKILL);
		return 0;
	}
	announce(getpid());
	wait_for_eof();
	return 0;
}
