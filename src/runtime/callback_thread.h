/* Running one callback of a patch in a thread of its own, inside the
 * target (callbacks.c decides which and when).
 *
 * A thread suture borrows (stopped) calls the target's own
 * pthread_create() on a small runner that calls the callback, stores its
 * result and its end in a control block, and returns; the borrowed thread
 * is given back at once, and suture reads the control block until the
 * callback is done or the timeout passes.  So the callback runs like any
 * thread of the program: it may call malloc and printf and wait for the
 * program's locks, whoever holds them (the borrowed thread included: it
 * runs on meanwhile).  A callback that does not return in time is left
 * running: nothing can stop a thread safely at an arbitrary point (it may
 * hold a lock); the error says which thread it is. */
#ifndef SUTURE_RUNTIME_CALLBACK_THREAD_H
#define SUTURE_RUNTIME_CALLBACK_THREAD_H

#include "runtime/maps.h"
#include "runtime/proc.h"

#include <stdbool.h>
#include <stdint.h>

struct callback_call {
	uint64_t fn;                    /* the callback's address in the target */
	const char *what;               /* "the pre-patch callback 'f' of patch 'p'" */
	double timeout;                 /* seconds */
	const struct object *objs;      /* the process's objects, for pthread_create */
	size_t nobjs;
	/* out */
	int32_t result;                 /* what it returned (int callbacks) */
	bool still_running;             /* timed out: its code must stay mapped */
};

/* Runs C->fn in a new thread of P, created by *T (seized and stopped; it
 * is released while the callback runs and *T is the thread seized again
 * after, stopped).  -1 with the error set when it could not run or did
 * not return within the timeout. */
int callback_thread_run(struct proc *p, struct thread **t, struct callback_call *c);

#endif
