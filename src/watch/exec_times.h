/* When the recent processes exec'd, to say how long after its exec a
 * process that maps a library later was patched. */
#ifndef SUTURE_WATCH_EXEC_TIMES_H
#define SUTURE_WATCH_EXEC_TIMES_H

#include <stdint.h>
#include <sys/types.h>

#define EXEC_TIMES 1024

struct exec_times {
	pid_t pid[EXEC_TIMES];
	uint64_t when_ns[EXEC_TIMES];
	unsigned next;
};

void exec_times_note(struct exec_times *t, pid_t pid, uint64_t when_ns);
/* The last exec time noted for PID, or 0. */
uint64_t exec_times_find(const struct exec_times *t, pid_t pid);

#endif
