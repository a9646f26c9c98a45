/* Running a switch under a consistency model.
 *
 * All threads are stopped.  `stop` (kpatch): unwind every thread and
 * switch only when no thread is in any of the BUSY ranges (the code being
 * replaced); otherwise let the process run a moment and try again until
 * the timeout, then give up naming each thread and the function it was in.
 * `none` (libpulp): switch at once.  Both: no thread may be stopped
 * inside an entry padding being rewritten (possible with five 1-byte NOPs).
 * The `thread` model (per-thread gate, kGraft) will plug in here. */
#ifndef SUTURE_RUNTIME_TRANSITION_H
#define SUTURE_RUNTIME_TRANSITION_H

#include "runtime/redirect.h"
#include "runtime/state.h"
#include "runtime/unwind.h"

#define TRANSITION_TIMEOUT (-2)

struct busy_range {
	uint64_t lo, hi;
	const char *name;
};

struct transition {
	struct proc *p;
	int model;                      /* enum consistency */
	double timeout;                 /* seconds */
	const struct redirect *r;
	size_t n;
	uint64_t gate;
	uint8_t gate_to;
	const struct busy_range *busy;
	size_t nbusy;
	/* code without unwind information (the patches in the process): a
	 * stack walk that ends there cannot tell what lies below, so the
	 * thread counts as busy */
	const struct busy_range *opaque;
	size_t nopaque;
	struct state_entry *entry;
	enum patch_state during, after;
	struct unwinder *unwinder;      /* made beforehand, reused */
	int retries;                    /* out: how many times it waited */
};

/* The code of every patch whose memory may still be mapped in the
 * process (named "the code of patch 'NAME'"); free with ranges_free. */
struct busy_range *patch_code_ranges(const struct state *st, size_t *n);
void ranges_free(struct busy_range *r, size_t n);

/* 0 switched; TRANSITION_TIMEOUT (error set, naming the threads); -1 error.
 * The threads stay stopped on return. */
int transition_run(struct transition *t);

/* The threads with a frame in RANGES; NULL when none.  Message form:
 * "thread 12 (worker) is in slow_work; ...". */
char *threads_in(struct proc *p, struct unwinder *u, const struct busy_range *ranges, size_t n,
		 const struct busy_range *opaque, size_t nopaque);

#endif
