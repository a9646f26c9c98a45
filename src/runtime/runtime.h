/* The runtime's interface for the commands: apply, revert, status.
 * Each call works on one process and leaves it as it found it on failure. */
#ifndef SUTURE_RUNTIME_RUNTIME_H
#define SUTURE_RUNTIME_RUNTIME_H

#include "patchfile/patchread.h"
#include "runtime/state.h"

#include <stdbool.h>
#include <sys/types.h>

/* Return values besides 0 and -1 (error set). */
#define RT_TIMEOUT (-2)        /* the switch could not happen in time: exit 4 */
#define RT_NOT_TARGET (-3)     /* --all: this process does not map the target */
#define RT_OTHER_BUILD (-4)    /* --all: it maps another build of it (error set) */

struct apply_opts {
	int model;              /* enum consistency */
	double timeout;         /* seconds */
	bool replace;           /* cumulative: supersedes earlier patches of the objects */
	bool force;             /* `thread`: at the timeout, switch the rest anyway (unsafe) */
	bool quiet_not_target;  /* --all: return RT_NOT_TARGET instead of an error */
	bool held;              /* the caller holds it stopped by SIGSTOP (watch/hold.h) */
};

int runtime_apply(pid_t pid, struct patch_file *pf, const struct apply_opts *o);
/* Reverts patch NAME (NULL: every patch, newest first). */
int runtime_revert(pid_t pid, const char *name, double timeout, bool quiet_missing);
/* The same; FORCE: at the timeout of a `thread` transition, switch the rest anyway. */
int runtime_revert_force(pid_t pid, const char *name, double timeout, bool quiet_missing, bool force);

/* The patches recorded in a process. */
struct proc_status {
	pid_t pid;
	char comm[32];
	struct state st;
	/* per entry: the gate byte (which code an interrupted switch left running) */
	int *gate;
	/* the record could not be read: why (a damaged record); st is empty */
	char *damaged;
};
int runtime_status(pid_t pid, struct proc_status *out);
void proc_status_free(struct proc_status *s);

/* --all: a cheap first look at /proc/PID/maps: can PID run the patch's
 * target at all (it maps a file of that name; any file when the patch
 * names none)? */
bool runtime_maps_target(pid_t pid, const struct patch_file *pf);
/* Does PID map suture's state (has it ever been patched)? */
bool runtime_has_state(pid_t pid);
/* Does process PID (still) exist? */
bool runtime_pid_usable(pid_t pid);

/* Every process ID on the machine, ascending (for --all). */
size_t list_pids(pid_t **out);

#endif
