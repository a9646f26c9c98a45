/* Running a switch under a consistency model.
 *
 * `stop` (kpatch): all threads stopped, unwind every one and switch only
 * when no thread is in any of the BUSY ranges (the code being replaced);
 * otherwise let the process run a moment and try again until the
 * timeout, then give up naming each thread and the function it was in.
 * `none` (libpulp): switch at once.  `thread` (kGraft, the default;
 * transition_thread.c): each thread, stopped alone, switches its own
 * universe as soon as no BUSY range is on its stack.  All: every code
 * write with all threads stopped, none of them inside an entry padding
 * being rewritten (possible with five 1-byte NOPs). */
#ifndef SUTURE_RUNTIME_TRANSITION_H
#define SUTURE_RUNTIME_TRANSITION_H

#include "runtime/redirect.h"
#include "runtime/state.h"
#include "runtime/unwind.h"
#include "common/util.h"

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
	struct state *st;               /* the record ENTRY is in */
	struct state_entry *entry;
	enum patch_state during, after;
	struct unwinder *unwinder;      /* made beforehand, reused */
	int retries;                    /* out: how many times it waited */
	/* `thread`: the code a thread must not be running to go back to
	 * where it came from (a transition reversed at the timeout) */
	const struct busy_range *back;
	size_t nback;
	bool force;                     /* at the timeout, switch the rest unchecked */
	bool reversed;                  /* out: the timeout reversed it */
	/* out: a thread stood at a room's jump too long; the room keeps
	 * its jump into the patch's memory, which must stay */
	bool keep_memory;
};

/* The code of every patch whose memory may still be mapped in the
 * process (named "the code of patch 'NAME'"); free with ranges_free. */
struct busy_range *patch_code_ranges(const struct state *st, size_t *n);
void ranges_free(struct busy_range *r, size_t n);

/* Phase 1 (TO_SLOTS) or 3 (the entries straight to TO or FROM) made by a
 * thread of the process while the others run (poke.h): 0, POKE_CANNOT
 * (nothing changed: write them with every thread stopped), or -1. */
int transition_poke(struct transition *t, bool to_slots, bool to_new);

/* After phase 3 made under running threads towards TO_NEW: the rooms it
 * empties get their int3 back once no thread can be at their jump
 * (transition_rooms.c); 0, or -1. */
int transition_empty_rooms(struct transition *t, bool to_new);

/* 0 switched; TRANSITION_TIMEOUT (error set, naming the threads); -1 error.
 * The threads stay stopped on return. */
int transition_run(struct transition *t);

/* `thread` model (transition_thread.c); same returns. */
int transition_thread_run(struct transition *t);

/* The ranges on stopped thread TH's stack (registers REGS), as a message
 * ("thread 12 (worker) is in slow_work"), or NULL when none. */
char *thread_busy(struct proc *p, struct unwinder *u, struct thread *th, const struct user_regs_struct *regs,
		  const struct busy_range *ranges, size_t n, const struct busy_range *opaque, size_t nopaque);
/* Appends to MSG each thread stopped inside an entry padding of T. */
void check_padding(const struct transition *t, struct thread *th, const struct user_regs_struct *regs,
		   int phase3, struct buf *msg);
/* Lets the threads run for SECONDS while serving their events. */
void transition_pause(struct proc *p, double seconds);

/* The threads with a frame in RANGES; NULL when none.  Message form:
 * "thread 12 (worker) is in slow_work; ...". */
char *threads_in(struct proc *p, struct unwinder *u, const struct busy_range *ranges, size_t n,
		 const struct busy_range *opaque, size_t nopaque);

#endif
