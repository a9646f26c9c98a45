/* Exec notifications from the kernel's process connector (netlink,
 * PROC_EVENT_EXEC; needs CAP_NET_ADMIN).  No polling: the kernel sends one
 * message per exec, as the new program is about to run its first
 * instruction (the dynamic loader's, for a dynamic program). */
#ifndef SUTURE_WATCH_EXEC_EVENTS_H
#define SUTURE_WATCH_EXEC_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct exec_event {
	pid_t pid;
	uint64_t when_ns;       /* CLOCK_MONOTONIC of the exec, the kernel's */
};

/* A socket subscribed to exec events; -1 with err_set(). */
int exec_events_open(void);
/* The exec events of one read from FD (blocks until one arrives), at most
 * MAX; their number, or -1 with err_set(). */
int exec_events_read(int fd, struct exec_event *out, int max);

#endif
