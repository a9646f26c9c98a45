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

/* PID (thread TID doing the work) exec'd or mapped a watched file, at
 * SINCE_NS (CLOCK_MONOTONIC): apply every patch whose exact target build it
 * runs.  AFTER says what SINCE_NS was ("exec", "it mapped ..."). */
void patch_new_process(struct watch *w, pid_t pid, pid_t tid, uint64_t since_ns, bool fresh_exec);

/* (Re)reads the store and marks the target files of its patches. */
int watch_reload(struct watch *w);

#endif
