/* Which processes run an installed patch (read from the record each
 * patched process keeps, runtime/state.h). */
#ifndef SUTURE_STORE_RUNNING_H
#define SUTURE_STORE_RUNNING_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct running {
	pid_t pid;
	char comm[32];
	const char *state;      /* "applied", or an interrupted "applying"... */
};

/* /proc/PID/comm into COMM ("?" when it is gone). */
void read_comm(pid_t pid, char *comm, size_t size);
/* Does PID run patch NAME (applied, or in a transition)? */
bool runs_patch(pid_t pid, const char *name);
/* Every process that runs NAME, by PID; *out is an array of *n. */
void running_processes(const char *name, struct running **out, size_t *n);

#endif
