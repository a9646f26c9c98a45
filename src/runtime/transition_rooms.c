/* Emptying the rooms after the entries got their first instruction back
 * under running threads (see redirect.h, redirect_writes).
 *
 * The entry's 2-byte jump and the room's jump are two instructions: a
 * thread that took the entry's jump just before the entry was restored
 * may stand at the room's jump, preempted, for any time.  Rewriting the
 * room's first byte to int3 under it would kill the process (SIGTRAP); so
 * each thread is stopped alone a moment, and looked at, until every one
 * has been seen elsewhere: none can come back, the entries no longer lead
 * there.  Only then do the rooms get their int3 back. */
#include "runtime/transition.h"
#include "runtime/redirect.h"
#include "common/error.h"

/* How long a thread may stand at a room's jump before suture gives up
 * (the rooms keep their jump, and the patch its memory). */
#define ROOM_WAIT 5.0

static bool at_a_room(const struct transition *t, uint64_t rip)
{
	for (size_t k = 0; k < t->n; k++)
		if (t->r[k].room && rip >= t->r[k].room && rip < t->r[k].room + ROOM_JUMP)
			return true;
	return false;
}

/* 1 seen out of every room (or gone), 0 still at one. */
static int seen_out(struct transition *t, struct thread *th, double deadline)
{
	/* waited for until it stops: asked to stop and left waiting, it
	 * would stay stopped through a pause */
	int stopped;
	while ((stopped = thread_stop_alone(t->p, th, 0.01)) == 0 && mono_now() < deadline)
		;
	if (stopped <= 0)
		return stopped < 0 ? 1 : 0;
	struct user_regs_struct regs;
	bool out = thread_get_regs(th, &regs) < 0 || !at_a_room(t, regs.rip);
	thread_resume(th);
	return out;
}

int transition_empty_rooms(struct transition *t, bool to_new)
{
	if (!redirect_empties_rooms(t->r, t->n, to_new))
		return 0;
	struct proc *p = t->p;
	/* these stops are ours, not a check's */
	void (*checker)(struct proc *, struct thread *, void *) = p->on_wanted_stop;
	p->on_wanted_stop = NULL;
	double deadline = mono_now() + ROOM_WAIT;
	int rc = 0;
	for (size_t i = 0; i < p->nthreads && rc == 0; i++) {
		struct thread *th = p->threads[i];
		while (th->seized && !th->gone && !seen_out(t, th, deadline)) {
			if (mono_now() >= deadline) {
				t->keep_memory = true;
				rc = 1;
				break;
			}
			transition_pause(p, 0.001);
		}
	}
	p->on_wanted_stop = checker;
	return rc == 0 ? redirect_empty_rooms(p, t->r, t->n, to_new) : 0;
}
