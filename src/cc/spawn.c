#include "cc/spawn.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int wait_status(pid_t pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return err_set_errno("waiting for a child process");
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int spawn_wait(char *const argv[], struct buf *err)
{
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	int pipefd[2] = { -1, -1 };
	if (err) {
		if (pipe2(pipefd, O_CLOEXEC) < 0)
			return err_set_errno("cannot create a pipe");
		posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDERR_FILENO);
	}
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	if (err)
		close(pipefd[1]);
	if (rc != 0) {
		if (err)
			close(pipefd[0]);
		errno = rc;
		return err_set_errno("cannot run %s", argv[0]);
	}
	if (err) {
		buf_read_fd(err, pipefd[0]);
		close(pipefd[0]);
	}
	return wait_status(pid);
}
