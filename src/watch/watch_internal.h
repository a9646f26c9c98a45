/* What the parts of watch share: the loaded store and the event sources. */
#ifndef SUTURE_WATCH_INTERNAL_H
#define SUTURE_WATCH_INTERNAL_H

#include "store/store.h"
#include "watch/exec_times.h"
#include "watch/watch.h"

#include <stdint.h>
#include <sys/types.h>

struct watch {
	const struct watch_opts *o;
	struct store_entry *patches;
	size_t n_patches;
	int exec_fd, map_fd, store_fd;
	struct exec_times execs;
};

/* Prints one log line through o->say. */
void watch_say(struct watch *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
uint64_t now_ns(void);

/* PID exec'd at WHEN_NS (CLOCK_MONOTONIC): the patches of a program it
 * runs the exact build of are applied. */
void patch_exec(struct watch *w, pid_t pid, uint64_t when_ns);
/* Thread TID of PID opened the watched file PATH (seen at SEEN_NS): the
 * patches of that file are applied once it is mapped. */
void patch_mapping(struct watch *w, pid_t pid, pid_t tid, const char *path, uint64_t seen_ns);

/* (Re)reads the store and marks the target files of its patches. */
int watch_reload(struct watch *w);

#endif
