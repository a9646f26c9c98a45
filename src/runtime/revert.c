/* suture revert, for one process: the switch of apply, backwards. */
#include "runtime/runtime.h"
#include "runtime/callbacks.h"
#include "runtime/patch_unwind.h"
#include "runtime/inject.h"
#include "runtime/loader.h"
#include "runtime/redirect.h"
#include "runtime/split.h"
#include "runtime/transition.h"
#include "common/error.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_live(uint32_t s)
{
	return s == PS_LOADED || s == PS_APPLYING || s == PS_APPLIED || s == PS_REVERTING;
}

/* Where callers of PAD go once patch E is gone: the version of the
 * newest older patch still applied, or the original body. */
static uint64_t target_below(const struct state *st, const struct state_entry *e, uint64_t pad)
{
	uint64_t best = pad + PAD_LEN, best_seq = 0;
	for (uint32_t k = 0; k < e->patch.n_funcs; k++)
		if (e->funcs[k].pad == pad && e->funcs[k].room)
			best = e->funcs[k].stub;   /* the room form's original: E's own stub */
	for (size_t i = 0; i < st->n; i++) {
		const struct state_entry *o = &st->entries[i];
		if (o->patch.state != PS_APPLIED || o->patch.seq >= e->patch.seq || o->patch.seq < best_seq)
			continue;
		for (uint32_t k = 0; k < o->patch.n_funcs; k++)
			if (o->funcs[k].pad == pad) {
				best = o->funcs[k].target;
				best_seq = o->patch.seq;
			}
	}
	return best;
}

/* A newer applied patch that redirects a function of E: E must wait. */
static int refuse_stacked_above(struct proc *p, const struct state *st, const struct state_entry *e)
{
	for (size_t i = 0; i < st->n; i++) {
		const struct state_entry *o = &st->entries[i];
		if (!is_live(o->patch.state) || o->patch.seq <= e->patch.seq)
			continue;
		for (uint32_t k = 0; k < o->patch.n_funcs; k++)
			for (uint32_t j = 0; j < e->patch.n_funcs; j++)
				if (o->funcs[k].pad && o->funcs[k].pad == e->funcs[j].pad)
					return err_set("patch '%s' cannot be reverted while patch '%s', applied after it, "
						       "also replaces %s: revert '%s' first", e->patch.name,
						       o->patch.name, e->funcs[j].name, o->patch.name);
	}
	(void)p;
	return 0;
}

/* The code a thread goes back to when a revert is reversed: the
 * functions as they were below this patch. */
static struct busy_range *below_ranges(const struct state *st, const struct state_entry *e, size_t *n)
{
	struct busy_range *b = xcalloc(2 * e->patch.n_funcs + 1, sizeof *b);
	*n = 0;
	for (uint32_t k = 0; k < e->patch.n_funcs; k++) {
		const struct state_func *sf = &e->funcs[k];
		b[(*n)++] = (struct busy_range){ sf->old_addr, sf->old_addr + sf->old_size, sf->name };
		uint64_t below = target_below(st, e, sf->pad);
		for (size_t i = 0; sf->pad && below != sf->pad + PAD_LEN && below != sf->stub && i < st->n; i++)
			for (uint32_t j = 0; j < st->entries[i].patch.n_funcs; j++) {
				const struct state_func *o = &st->entries[i].funcs[j];
				if (o->target == below && o->new_addr)
					b[(*n)++] = (struct busy_range){ o->new_addr, o->new_addr + o->new_size, sf->name };
			}
	}
	return b;
}

/* The gate the slot at SLOT reads: the patch's, or, in the second copy of
 * a split patch (COPY1), the same page mapped near that copy (split.h). */
static uint64_t slot_gate(const struct state_entry *e, const struct split_copy *copy1,
			  uint64_t slot)
{
	bool in_copy1 = copy1->mem && slot >= copy1->mem && slot < copy1->mem + copy1->size;
	return in_copy1 ? copy1->gate : e->patch.gate;
}

/* The slot's gate-0 branch must lead to what is below today (the patch
 * it was stacked on may have been replaced since); rewritten only when
 * it changed, as a thread of an interrupted transition may be in it. */
static int slot_update(struct proc *p, const struct state_entry *e, const struct split_copy *copy1,
		       const struct redirect *r)
{
	uint8_t want[ROOM_STUB_OFF], have[ROOM_STUB_OFF];
	if (mem_read(p, r->slot, have, ROOM_STUB_OFF) < 0)
		return -1;
	slot_encode(want, r->slot, slot_gate(e, copy1, r->slot), r->from, r->to);
	if (memcmp(want, have, ROOM_STUB_OFF) == 0)
		return 0;
	return mem_write(p, r->slot, want, ROOM_STUB_OFF);
}

static void nothing_to_check(struct thread *t, void *arg)
{
	(void)t, (void)arg;
}

/* After a `none` switch (made under running threads): is a thread still
 * in the patch's code?  They are all stopped to look; NULL when none is. */
static char *none_in_use(struct proc *p, struct unwinder *u, const struct busy_range *busy,
			 const struct busy_range *opaque, size_t nopaque)
{
	if (!u)
		return xstrdup("cannot unwind");
	if (proc_stop_all(p, nothing_to_check, NULL) < 0)
		return xstrdup(err_msg());
	return threads_in(p, u, busy, 1, opaque, nopaque);
}

static int revert_entry(struct proc *p, struct state *st, struct state_entry *e, double timeout, bool force)
{
	if (refuse_stacked_above(p, st, e) < 0)
		return -1;
	/* the unwinder reads the objects' files and their unwind tables:
	 * before anything is stopped */
	struct unwinder *u = unwinder_new(p);
	if (u)
		unwinder_warm(u);
	patch_unwind_report(u, p, st);
	struct thread *t;
	if (proc_seize_one(p, &t) < 0) {
		unwinder_free(u);
		return -1;
	}
	/* it runs but for each system call made through it (inject.h) */
	proc_resume_all(p);
	struct redirect *rd = xcalloc(e->patch.n_funcs + 1, sizeof *rd);
	size_t nrd = 0;
	struct split_copy copy1 = { 0 };
	split_other_copy(p, e->patch.mem, &copy1);   /* unreadable: not split */
	for (uint32_t k = 0; k < e->patch.n_funcs; k++) {
		const struct state_func *sf = &e->funcs[k];
		if (!sf->pad)
			continue;
		struct redirect *r = &rd[nrd++];
		r->pad = sf->pad;
		memcpy(r->orig_pad, sf->orig_pad, PAD_LEN);
		r->len = sf->room ? sf->displaced : PAD_LEN;
		r->room = sf->room;
		r->stub = sf->stub;
		memcpy(r->orig_room, sf->orig_room, ROOM_JUMP);
		r->from = target_below(st, e, sf->pad);
		r->to = sf->target;
		r->slot = sf->slot;
		if (slot_update(p, e, &copy1, r) < 0) {
			free(rd);
			unwinder_free(u);
			return -1;
		}
	}
	struct busy_range busy = { e->patch.mem, e->patch.code_end, NULL };
	char label[160];
	snprintf(label, sizeof label, "the code of patch '%s'", e->patch.name);
	busy.name = label;
	/* which functions, for the message: one range per new function */
	struct busy_range *ranges = xcalloc(e->patch.n_funcs + 3, sizeof *ranges);
	size_t nranges = 0;
	if (copy1.mem)
		ranges[nranges++] = (struct busy_range){ copy1.mem, copy1.code_end, label };
	for (uint32_t k = 0; k < e->patch.n_funcs; k++)
		if (e->funcs[k].new_addr)
			ranges[nranges++] = (struct busy_range){ e->funcs[k].new_addr,
				e->funcs[k].new_addr + e->funcs[k].new_size, e->funcs[k].name };
	ranges[nranges++] = busy;
	if (e->patch.pre_unpatch && (e->patch.state == PS_APPLIED || e->patch.state == PS_REVERTING)) {
		bool running;
		if (thread_hold(p, t) < 0 || callback_run_addr(p, &t, e->patch.pre_unpatch, e->patch.name, "pre-unpatch", timeout,
				      &running) < 0) {
			unwinder_free(u);
			free(ranges);
			free(rd);
			return -1;
		}
	}
	/* the loading thread runs again until the switch stops everything */
	proc_resume_all(p);
	size_t nopaque;
	struct busy_range *opaque = patch_code_ranges(st, &nopaque);
	size_t nback;
	struct busy_range *back = below_ranges(st, e, &nback);
	uint64_t mem = e->patch.mem, mem_size = e->patch.mem_size;
	struct transition tr = {
		.opaque = opaque, .nopaque = nopaque,
		.unwinder = u, .force = force, .back = back, .nback = nback,
		.p = p, .model = (int)e->patch.model, .timeout = timeout,
		.r = rd, .n = nrd, .gate = e->patch.gate, .gate_to = 0,
		.busy = ranges, .nbusy = nranges, .st = st, .entry = e,
		.during = PS_REVERTING, .after = PS_REVERTED,
	};
	if (tr.model != CM_NONE && tr.model != CM_THREAD)
		tr.model = CM_STOP;
	int rc = transition_run(&tr);
	bool free_memory = false;
	if (rc == 0) {
		fault_point("switched");   /* recorded as reverted, the threads still held */
		/* stop: no thread was in the patch's code before the switch, and
		 * none can enter it after; thread: every thread left it before
		 * it switched (or was forced); none: look */
		char *in_use = tr.model != CM_NONE ? NULL : none_in_use(p, tr.unwinder, &busy, opaque, nopaque);
		free_memory = !in_use && !tr.keep_memory;
		free(in_use);
	}
	proc_finish(p);
	stop_mark("release");
	/* the post-unpatch callback runs before its code goes away; the
	 * revert is done whatever it returns */
	if (rc == 0 && e->patch.post_unpatch && proc_seize_one(p, &t) == 0) {
		bool running;
		if (callback_run_addr(p, &t, e->patch.post_unpatch, e->patch.name, "post-unpatch", timeout,
				      &running) < 0 && running) {
			free_memory = false;   /* it still runs in the patch's code */
			rc = err_prefix("patch '%s' is reverted, but", e->patch.name);
		}
		proc_finish(p);
	}
	/* the thread runs between the calls (inject.h) */
	if (free_memory && proc_seize_one(p, &t) == 0 && proc_resume_all(p) == 0 &&
	    patch_unwind_deregister(p, t, mem) == 0 && split_free(p, t, mem) == 0) {
		fault_point("deregistered");   /* its memory not unmapped yet */
		remote_munmap(p, t, mem, mem_size);
	}
	proc_finish(p);
	unwinder_free(tr.unwinder);
	ranges_free(opaque, nopaque);
	free(back);
	free(ranges);
	free(rd);
	return rc;
}

int runtime_revert(pid_t pid, const char *name, double timeout, bool quiet_missing)
{
	return runtime_revert_force(pid, name, timeout, quiet_missing, false);
}

int runtime_revert_force(pid_t pid, const char *name, double timeout, bool quiet_missing, bool force)
{
	struct proc *p = proc_open(pid);
	if (!p)
		return -1;
	struct state st;
	int rc = state_read(p, &st);
	if (rc < 0) {
		/* --all: a process another suture patched is not ours to look at */
		if (quiet_missing && st.other_version)
			rc = RT_NOT_TARGET;
		goto out;
	}
	bool any = false;
	/* newest first */
	for (size_t i = st.n; i-- > 0 && rc == 0;) {
		struct state_entry *e = &st.entries[i];
		if (!is_live(e->patch.state) || (name && strcmp(e->patch.name, name) != 0))
			continue;
		any = true;
		rc = revert_entry(p, &st, e, timeout, force);
	}
	if (rc == 0 && !any) {
		if (quiet_missing)
			rc = RT_NOT_TARGET;
		else if (name)
			rc = err_set("process %d (%s) has no patch named '%s' applied; see 'suture status %d'",
				     pid, p->comm, name, pid);
		else
			rc = err_set("process %d (%s) has no patch applied", pid, p->comm);
	}
out:
	state_free(&st);
	proc_close(p);
	return rc;
}
