/* Waiting, without polling, until a process's dynamic loader has finished
 * what it was doing (starting the program, or a dlopen), so that a patch
 * finds every object mapped and every symbol it needs.
 *
 * Thread TID (the one the loader runs in) is traced for that time and
 * stopped at each of its system calls, where r_debug is read: no byte of
 * the process is modified, no other thread is touched, and the thread is
 * released as soon as the loader is consistent. */
#ifndef SUTURE_WATCH_SETTLE_H
#define SUTURE_WATCH_SETTLE_H

#include "watch/loader_state.h"

#include <stdbool.h>
#include <sys/types.h>

/* Returns at once when the loader is consistent.  A process that has just
 * exec'd (r_debug not initialized yet) is followed until the RT_CONSISTENT
 * that comes after its first RT_ADD, not the initial one.  Gives up after
 * TIMEOUT_MS (the thread then runs on, untouched).  0 settled, -1 with
 * err_set(). */
int settle_loader(pid_t tid, const struct loader *ld, int timeout_ms);

#endif
