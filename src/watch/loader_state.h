/* Where a process's dynamic loader is in its work: the r_debug structure
 * ld.so keeps for debuggers (<link.h>), read from the process's memory.
 * While it maps objects its state is RT_ADD; RT_CONSISTENT once they are
 * all mapped (at start: and relocated).  A patch is applied only then. */
#ifndef SUTURE_WATCH_LOADER_STATE_H
#define SUTURE_WATCH_LOADER_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct loader {
	pid_t pid;
	uint64_t r_debug;       /* address of ld.so's _r_debug; 0: no loader (static) */
};

/* Entry TYPE (AT_BASE, AT_ENTRY) of PID's auxiliary vector, or 0. */
uint64_t auxv_value(pid_t pid, uint64_t type);

/* Finds PID's r_debug (AT_BASE from /proc/PID/auxv, `_r_debug` of the
 * mapped ld.so's dynamic symbols).  0, or -1 with err_set(). */
int loader_find(pid_t pid, struct loader *ld);

/* What r_debug says now. */
struct loader_now {
	bool started;           /* r_version set: ld.so has initialized it */
	bool consistent;        /* r_state == RT_CONSISTENT */
};
int loader_read(const struct loader *ld, struct loader_now *now);
/* Address of r_state (a 4-byte field ld.so writes at each change). */
uint64_t loader_state_addr(const struct loader *ld);

#endif
