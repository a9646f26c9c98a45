/* Running commands: see command.h. */
#include "build/command.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t received;
static volatile pid_t running;

static void on_signal(int sig)
{
	received = sig;
	if (running > 0)
		kill(-running, sig);
}

void command_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int command_interrupted(void)
{
	return received;
}

/* In the child: its own process group (so a signal reaches every process
 * of the build), the directory, the output. */
static void child(char *const argv[], const char *cwd, const char *log, int out_fd)
{
	setpgid(0, 0);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (cwd && chdir(cwd) < 0)
		_exit(126);
	int fd = out_fd;
	if (log)
		fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	int devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0)
		dup2(devnull, STDIN_FILENO);
	execvp(argv[0], argv);
	_exit(127);
}

int command_run(char *const argv[], const char *cwd, const char *log, struct buf *out)
{
	if (received)
		return 128 + received;
	int pipefd[2] = { -1, -1 };
	if (out && !log && pipe2(pipefd, O_CLOEXEC) < 0)
		return err_set_errno("cannot create a pipe");
	pid_t pid = fork();
	if (pid < 0)
		return err_set_errno("cannot run %s", argv[0]);
	if (pid == 0)
		child(argv, cwd, log, pipefd[1]);
	running = pid;
	setpgid(pid, pid);
	if (pipefd[0] >= 0) {
		close(pipefd[1]);
		buf_read_fd(out, pipefd[0]);
		close(pipefd[0]);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			running = 0;
			return err_set_errno("waiting for %s", argv[0]);
		}
	running = 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int command_run_shell(const char *cmd, const char *cwd, const char *log)
{
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	return command_run(argv, cwd, log, NULL);
}
