/* Holding a starting process stopped while its patch is applied. */
#include "watch/hold.h"
#include "watch/proc_stat.h"
#include "common/error.h"
#include "common/util.h"
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Fields 7 (tty_nr) and 22 (starttime); false if gone. */
static bool read_stat(pid_t pid, long *tty, unsigned long long *start)
{
	unsigned long long tty_nr;
	if (!proc_stat_field(pid, 7, &tty_nr) || !proc_stat_field(pid, 22, start))
		return false;
	*tty = (long)tty_nr;
	return true;
}

static char *marker(pid_t pid)
{
	return xasprintf("%s/.held/%d", store_dir(), pid);
}

bool hold_allowed(pid_t pid)
{
	long tty;
	unsigned long long start;
	return read_stat(pid, &tty, &start) && tty == 0;
}

int hold_begin(pid_t pid)
{
	long tty;
	unsigned long long start;
	if (!read_stat(pid, &tty, &start))
		return err_set("process %d is gone", pid);
	char *dir = xasprintf("%s/.held", store_dir()), *path = marker(pid);
	mkdir(dir, 0700);
	FILE *f = fopen(path, "we");
	int rc = f && fprintf(f, "%llu\n", start) > 0 ? 0 : err_set_errno("cannot write '%s'", path);
	if (f && fclose(f) != 0 && rc == 0)
		rc = err_set_errno("cannot write '%s'", path);
	if (rc == 0 && kill(pid, SIGSTOP) < 0)
		rc = err_set_errno("process %d: cannot stop it", pid);
	if (rc < 0)
		unlink(path);
	free(dir);
	free(path);
	return rc;
}

void hold_end(pid_t pid)
{
	kill(pid, SIGCONT);
	char *path = marker(pid);
	unlink(path);
	free(path);
}

void hold_release_leftovers(void)
{
	char *dir = xasprintf("%s/.held", store_dir());
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		pid_t pid = atoi(de->d_name);
		if (pid <= 0)
			continue;
		char *path = marker(pid);
		size_t len;
		char *text = read_whole_file(path, &len);
		long tty;
		unsigned long long start;
		/* The same process (not a new one with its PID): let it go. */
		if (text && read_stat(pid, &tty, &start) && strtoull(text, NULL, 10) == start)
			kill(pid, SIGCONT);
		unlink(path);
		free(text);
		free(path);
	}
	if (d)
		closedir(d);
	err_clear();
	free(dir);
}
