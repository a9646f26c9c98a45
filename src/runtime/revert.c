/* suture revert, for one process: the switch of apply, backwards. */
#include "runtime/runtime.h"
#include "runtime/callbacks.h"
#include "runtime/patch_unwind.h"
#include "runtime/inject.h"
#include "runtime/loader.h"
#include "runtime/redirect.h"
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

/* The slot's gate-0 branch must lead to what is below today (the patch
 * it was stacked on may have been replaced since); rewritten only when
 * it changed, as a thread of an interrupted transition may be in it. */
static int slot_update(struct proc *p, const struct state_entry *e, const struct redirect *r)
{
	uint8_t want[ROOM_STUB_OFF], have[ROOM_STUB_OFF];
	slot_encode(want, r->slot, e->patch.gate, r->from, r->to);
	if (mem_read(p, r->slot, have, ROOM_STUB_OFF) < 0)
		return -1;
	if (memcmp(want, have, ROOM_STUB_OFF) == 0)
		return 0;
	return mem_write(p, r->slot, want, ROOM_STUB_OFF);
}

static int revert_entry(struct proc *p, struct state *st, struct state_entry *e, double timeout, bool force)
{
	if (refuse_stacked_above(p, st, e) < 0)
		return -1;
	/* the unwinder reads the objects' files: before anything is stopped */
	struct unwinder *u = unwinder_new(p);
	patch_unwind_report(u, p, st);
	struct thread *t;
	if (proc_seize_one(p, &t) < 0) {
		unwinder_free(u);
		return -1;
	}
	struct redirect *rd = xcalloc(e->patch.n_funcs + 1, sizeof *rd);
	size_t nrd = 0;
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
		if (slot_update(p, e, r) < 0) {
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
	struct busy_range *ranges = xcalloc(e->patch.n_funcs + 2, sizeof *ranges);
	size_t nranges = 0;
	for (uint32_t k = 0; k < e->patch.n_funcs; k++)
		if (e->funcs[k].new_addr)
			ranges[nranges++] = (struct busy_range){ e->funcs[k].new_addr,
				e->funcs[k].new_addr + e->funcs[k].new_size, e->funcs[k].name };
	ranges[nranges++] = busy;
	if (u)
		unwinder_warm(u, t->tid);
	if (e->patch.pre_unpatch && (e->patch.state == PS_APPLIED || e->patch.state == PS_REVERTING)) {
		bool running;
		if (callback_run_addr(p, &t, e->patch.pre_unpatch, e->patch.name, "pre-unpatch", timeout,
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
		char *in_use = tr.model != CM_NONE ? NULL
			: tr.unwinder ? threads_in(p, tr.unwinder, &busy, 1, opaque, nopaque)
			: xstrdup("cannot unwind");
		free_memory = !in_use;
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
	if (free_memory && proc_seize_one(p, &t) == 0 &&
	    patch_unwind_deregister(p, t, mem) == 0) {
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
