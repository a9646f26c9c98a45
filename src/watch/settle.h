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

/* What must be true besides a consistent loader (the target is mapped
 * whole: watch/patch_process.c). */
typedef bool (*settle_ready)(pid_t pid, void *ctx);

/* Thread TID is caught.  A process that has not reached its entry point
 * (just exec'd, or still in ld.so's start-up, constructors included) runs
 * to it: everything is mapped, relocated and initialized there; with HOLD
 * it is left held there (watch/hold.h: *HELD; the caller releases it).
 * Else (a dlopen, in any thread) the thread is followed from system call
 * to system call until the loader is consistent and READY holds, and let
 * go after SETTLE_MAX_SYSCALLS without READY (it opened the file to read
 * it, not to map it).  Gives up after TIMEOUT_MS.  0 settled,
 * SETTLE_NOT_MAPPED (it did not map it, or exited), -1 with err_set(). */
#define SETTLE_MAX_SYSCALLS 64
#define SETTLE_NOT_MAPPED 1
int settle_loader(pid_t tid, const struct loader *ld, int timeout_ms, settle_ready ready, void *ctx,
		  bool hold, bool *held);

#endif
