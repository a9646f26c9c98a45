/* Calling a function inside the target in a thread of its own: how
 * callbacks run (callbacks.c).
 *
 * A thread suture borrows (stopped) calls the target's own
 * pthread_create() on a small runner that calls the function, stores its
 * result and its end in a control block, and returns; the borrowed thread
 * is given back at once, and suture reads the control block until the
 * call is done or the timeout passes.  So the function runs like any
 * thread of the program: it may call malloc and printf and wait for the
 * program's locks, whoever holds them (the borrowed thread included: it
 * runs on meanwhile).  A call that does not return in time is left
 * running: nothing can stop a thread safely at an arbitrary point (it may
 * hold a lock); the error says which thread it is.  What the new thread
 * leaves behind is what any thread leaves in glibc: its stack in glibc's
 * cache, maybe a malloc arena. */
#ifndef SUTURE_RUNTIME_THREAD_CALL_H
#define SUTURE_RUNTIME_THREAD_CALL_H

#include "runtime/maps.h"
#include "runtime/proc.h"

#include <stdbool.h>
#include <stdint.h>

struct thread_call {
	uint64_t fn;                    /* the function's address in the target */
	uint64_t args[2];               /* its first two arguments */
	const char *what;               /* "the pre-patch callback 'f' of patch 'p'" */
	double timeout;                 /* seconds */
	const struct object *objs;      /* the process's objects, for pthread_create;
	                                   NULL: read here */
	size_t nobjs;
	/* out */
	uint64_t result;                /* what it returned in %rax */
	bool still_running;             /* timed out: its code must stay mapped */
};

/* Calls C->fn in a new thread of P, created by *T (seized and stopped; it
 * is released while the call runs and *T is the thread seized again
 * after, stopped).  -1 with the error set when it could not run (a
 * process stopped by SIGSTOP runs no new thread) or did not return
 * within the timeout. */
int thread_call_run(struct proc *p, struct thread **t, struct thread_call *c);

#endif
