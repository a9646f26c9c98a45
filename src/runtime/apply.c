/* suture apply, for one process: verify, load, switch (see docs/runtime.md).
 *
 * Everything that can refuse the patch runs before the process is touched:
 * the target object by build-id, every replaced function's bytes, every
 * symbol.  Then one thread is stopped to map and fill the patch's memory,
 * and all threads for the switch. */
#include "runtime/runtime.h"
#include "runtime/callbacks.h"
#include "runtime/entry.h"
#include "runtime/shadow.h"
#include "runtime/patch_unwind.h"
#include "runtime/inject.h"
#include "runtime/loader.h"
#include "runtime/maps.h"
#include "runtime/redirect.h"
#include "runtime/split.h"
#include "runtime/symbols.h"
#include "runtime/transition.h"
#include "common/error.h"
#include "common/util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* One function the patch replaces, as found in the process. */
struct target_func {
	const struct suture_patch_func *rec;
	char name[64];
	uint64_t addr, size;
	uint64_t pad;           /* 0 for a part (f.cold): never entered by a call */
	uint8_t orig_pad[PAD_LEN];
	struct entry_form form;  /* how it is redirected */
	uint64_t stub;          /* room form: this patch's stub of the original code */
	uint64_t from;          /* where its callers go today (0: the room form's own stub) */
	uint64_t from_lo, from_hi;   /* that code, when it is an earlier patch's */
	uint64_t new_addr, new_size, to;
	uint64_t slot;          /* its slot, in the copy that runs its object's code */
	bool restore;           /* --replace: back to the original */
};

struct apply {
	struct proc *p;
	struct patch_file *pf;
	const struct apply_opts *o;
	struct maps maps;
	struct object *objs;
	size_t nobjs;
	struct state st;
	struct image im;
	struct split split;     /* objects too far apart: a second copy (split.h) */
	struct image far;       /* that copy, when split.on */
	struct target_func *funcs;
	size_t nfuncs;
	bool state_created;
	bool name_matched;      /* some object had the functions, with other bytes */
	uint64_t mem;           /* mapped patch memory, 0 before */
};

/* The APPLIED patch highest in the stack that redirects PAD, or NULL. */
static const struct state_func *top_func(const struct state *st, uint64_t pad, const struct state_entry **owner)
{
	const struct state_func *best = NULL;
	uint64_t best_seq = 0;
	for (size_t i = 0; i < st->n; i++) {
		const struct state_entry *e = &st->entries[i];
		if (e->patch.state != PS_APPLIED)
			continue;
		for (uint32_t k = 0; k < e->patch.n_funcs; k++)
			if (e->funcs[k].pad == pad && pad && e->patch.seq > best_seq) {
				best = &e->funcs[k];
				best_seq = e->patch.seq;
				if (owner)
					*owner = e;
			}
	}
	return best;
}

static int refuse_interrupted(struct apply *a)
{
	for (size_t i = 0; i < a->st.n; i++) {
		const struct state_patch *sp = &a->st.entries[i].patch;
		const char *name = patch_string(a->pf, a->pf->header->name);
		if (sp->state == PS_APPLYING || sp->state == PS_REVERTING || sp->state == PS_LOADED)
			return err_set("process %d has an interrupted %s of patch '%s'; run 'suture revert %d %s' first",
				       a->p->pid, sp->state == PS_REVERTING ? "revert" : "apply", sp->name,
				       a->p->pid, sp->name);
		if (sp->state == PS_APPLIED && strcmp(sp->name, name) == 0)
			return err_set("patch '%s' is already applied to process %d (%s); revert it first",
				       name, a->p->pid, a->p->comm);
	}
	return 0;
}

/* Checks one function of the patch against the process: it exists, has
 * the expected size and bytes (under the mask), and entry padding. */
static int verify_func(struct apply *a, const struct object *obj, const struct suture_patch_func *rec,
		       struct target_func *tf)
{
	struct patch_file *pf = a->pf;
	const char *name = patch_string(pf, rec->old_name);
	const char *file = rec->old_file ? patch_string(pf, rec->old_file) : NULL;
	struct resolved r;
	int found = sym_in_object(obj, name, file, &r);
	if (found < 0)
		return -1;
	if (!found)
		return err_set("function '%s' is not in %s: the patch is for another program or build",
			       name, obj->path);
	a->name_matched = true;
	if (r.size != rec->old_size)
		return err_set("function '%s' in %s has %" PRIu64 " bytes, the patch expects %" PRIu64
			       ": the patch is for another build", name, obj->path, r.size, rec->old_size);
	memset(tf, 0, sizeof *tf);
	tf->rec = rec;
	snprintf(tf->name, sizeof tf->name, "%s", name);
	tf->addr = r.addr;
	tf->size = r.size;
	uint8_t *code = xmalloc(r.size + 1);
	if (mem_read(a->p, r.addr, code, r.size) < 0) {
		free(code);
		return -1;
	}
	const uint8_t *want = pf->oldcode + rec->old_bytes;
	const uint8_t *mask = pf->oldcode + rec->old_mask;
	bool part = rec->flags & SUTURE_FUNC_PART;
	int pad_off = -1;
	if (!part) {
		/* already patched: its entry jumps now; compare the original */
		uint64_t endbr = r.size >= 4 && memcmp(code, "\xf3\x0f\x1e\xfa", 4) == 0 ? 4 : 0;
		const struct state_func *prev = top_func(&a->st, r.addr + endbr, NULL);
		uint8_t before[ROOM_SIZE];
		bool have_before = mem_read(a->p, r.addr - ROOM_SIZE, before, ROOM_SIZE) == 0;
		if (entry_form_read(r.addr, code, r.size, have_before ? before : NULL, prev, name, obj->path,
				    &tf->form) < 0) {
			free(code);
			return -1;
		}
		tf->pad = tf->form.pad;
		memcpy(tf->orig_pad, tf->form.orig_pad, PAD_LEN);
		pad_off = tf->form.room ? -1 : (int)(tf->pad - r.addr);
		/* 0 for the room form's own stub, known once the slot is placed */
		tf->from = prev ? prev->target : tf->form.room ? 0 : tf->pad + PAD_LEN;
		if (prev && prev->new_addr) {
			tf->from_lo = prev->new_addr;
			tf->from_hi = prev->new_addr + prev->new_size;
		}
	}
	/* the padding may be in either form: one 5-byte NOP or five 1-byte NOPs */
	bool want_padding = pad_off >= 0 && entry_padding(want, r.size) == pad_off;
	for (uint64_t i = 0; i < r.size; i++) {
		if ((code[i] & mask[i]) == (want[i] & mask[i]))
			continue;
		if (want_padding && i >= (uint64_t)pad_off && i < (uint64_t)pad_off + PAD_LEN)
			continue;
		int res = err_set("function '%s' in %s differs from what the patch expects at +0x%" PRIx64
				  " (0x%02x in the process, 0x%02x in the patch): the patch is for another build",
				  name, obj->path, i, code[i], want[i]);
		free(code);
		return res;
	}
	free(code);
	return 0;
}

/* Binds patch object OI to an object of the process: by build-id, or,
 * for a patch without one, the object whose functions match. */
static int bind_object(struct apply *a, uint32_t oi, size_t *nfunc)
{
	struct patch_file *pf = a->pf;
	const struct suture_patch_object *po = &pf->objects[oi];
	const char *pname = patch_string(pf, po->name);
	char want_hex[2 * SUTURE_BUILD_ID_MAX + 1];
	build_id_to_hex(po->build_id, po->build_id_len, want_hex);
	const struct object *named = NULL;
	char *first_error = NULL;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 0; k < a->nobjs; k++) {
			const struct object *obj = &a->objs[k];
			bool name_match = strcmp(obj->basename, pname) == 0;
			if (name_match)
				named = obj;
			if (po->build_id_len) {
				if (obj->build_id_len != po->build_id_len ||
				    memcmp(obj->build_id, po->build_id, po->build_id_len) != 0)
					continue;
			} else if (pass == 0 ? !name_match : name_match) {
				continue;   /* first the object of that name, then any */
			}
			size_t start = *nfunc;
			int rc = 0;
			for (uint32_t f = 0; f < pf->header->n_funcs && rc == 0; f++)
				if (pf->funcs[f].object == oi)
					rc = verify_func(a, obj, &pf->funcs[f], &a->funcs[(*nfunc)++]);
			if (rc == 0) {
				a->im.bound[oi] = obj;
				free(first_error);
				return 0;
			}
			*nfunc = start;
			if (!first_error || (po->build_id_len || name_match))
				first_error = (free(first_error), xstrdup(err_msg()));
		}
		if (po->build_id_len)
			break;
	}
	if (first_error) {
		err_set("%s", first_error);
		free(first_error);
		if (a->o->quiet_not_target)
			return a->name_matched ? RT_OTHER_BUILD : RT_NOT_TARGET;
		return -1;
	}
	if (po->build_id_len && named && !a->o->quiet_not_target) {
		char have_hex[2 * 64 + 1];
		build_id_to_hex(named->build_id, named->build_id_len, have_hex);
		return err_set("the patch is for another build of %s: it wants build-id %s, process %d maps "
			       "build-id %s", pname, want_hex, a->p->pid, have_hex);
	}
	if (a->o->quiet_not_target)
		return po->build_id_len && named ? RT_OTHER_BUILD : RT_NOT_TARGET;
	if (po->build_id_len)
		return err_set("process %d (%s) does not map %s with build-id %s", a->p->pid, a->p->comm,
			       pname, want_hex);
	return err_set("process %d (%s) does not run %s", a->p->pid, a->p->comm, pname);
}

/* --replace: the functions of earlier patches of the same objects that
 * this one no longer touches go back to their original code. */
static void add_restores(struct apply *a)
{
	for (size_t i = 0; i < a->st.n; i++) {
		const struct state_entry *e = &a->st.entries[i];
		if (e->patch.state != PS_APPLIED)
			continue;
		for (uint32_t k = 0; k < e->patch.n_funcs; k++) {
			const struct state_func *sf = &e->funcs[k];
			if (!sf->pad)
				continue;
			bool have = false;
			for (size_t j = 0; j < a->nfuncs; j++)
				if (a->funcs[j].pad == sf->pad)
					have = true;
			const struct state_entry *owner = NULL;
			const struct state_func *top = top_func(&a->st, sf->pad, &owner);
			if (have || top != sf)
				continue;
			a->funcs = xrealloc(a->funcs, (a->nfuncs + 1) * sizeof *a->funcs);
			struct target_func *tf = &a->funcs[a->nfuncs++];
			memset(tf, 0, sizeof *tf);
			snprintf(tf->name, sizeof tf->name, "%s", sf->name);
			tf->addr = sf->old_addr;
			tf->size = sf->old_size;
			tf->pad = sf->pad;
			memcpy(tf->orig_pad, sf->orig_pad, PAD_LEN);
			tf->form.pad = sf->pad;
			memcpy(tf->form.orig_pad, sf->orig_pad, PAD_LEN);
			tf->form.len = sf->displaced ? sf->displaced : PAD_LEN;
			tf->form.room = sf->room;
			tf->form.displaced = sf->displaced;
			memcpy(tf->form.orig_room, sf->orig_room, ROOM_JUMP);
			if (sf->room && mem_read(a->p, sf->pad, tf->form.code, sf->displaced) == 0)
				memcpy(tf->form.code, sf->orig_pad, 2);   /* the rest was never changed */
			tf->from = sf->target;
			tf->from_lo = sf->new_addr;
			tf->from_hi = sf->new_addr + sf->new_size;
			tf->restore = true;
			tf->to = sf->room ? 0 : sf->pad + PAD_LEN;   /* 0: the own stub */
		}
	}
}

/* M: the maps read before anything stopped (listing them takes long
 * with many threads, and T waits meanwhile); a running thread may have
 * taken a place since, which MAP_FIXED_NOREPLACE refuses, and the next
 * place is tried. */
static int map_patch_memory(struct apply *a, struct thread *t, const struct maps *m)
{
	const struct object *obj = a->im.bound[0];
	uint64_t lo = obj->lo, hi = obj->hi;
	for (uint32_t i = 1; i < a->pf->header->n_objects; i++) {
		if (a->im.bound[i]->lo < lo)
			lo = a->im.bound[i]->lo;
		if (a->im.bound[i]->hi > hi)
			hi = a->im.bound[i]->hi;
	}
	int rc = -1;
	for (unsigned skip = 0; skip < 16; skip++) {
		uint64_t want;
		if (maps_find_near(m, lo, hi, a->im.size, skip, &want) < 0)
			break;
		uint64_t got;
		if (remote_mmap(a->p, t, want, a->im.size, PROT_READ | PROT_EXEC,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, &got) < 0)
			continue;   /* taken meanwhile by a running thread: the next one */
		if (got != want) {   /* a kernel without MAP_FIXED_NOREPLACE */
			remote_munmap(a->p, t, got, a->im.size);
			continue;
		}
		a->mem = got;
		rc = 0;
		break;
	}
	if (rc < 0 && m == &a->maps) {
		/* every place taken since: look again, now */
		struct maps now;
		if (maps_read(a->p->pid, &now) < 0)
			return -1;
		rc = map_patch_memory(a, t, &now);
		maps_free(&now);
		return rc;
	}
	if (rc < 0 && !a->mem)
		return err_set("no room for the patch's %" PRIu64 " KiB within 2 GB of %s in process %d",
			       a->im.size / 1024, obj->path, a->p->pid);
	return rc;
}

/* The copy that runs TF's object's code: the one image, or, for a split
 * patch, the copy near its object (*GATE: where that copy's slots read
 * the gate). */
static struct image *copy_of(struct apply *a, const struct target_func *tf, uint64_t *gate)
{
	bool far = a->split.on && tf->rec && (a->split.serves[1] >> tf->rec->object & 1);
	*gate = a->split.on ? a->split.gate[far] : a->im.base;
	return far ? &a->far : &a->im;
}

/* Fills in new addresses and slots once the memory's address is known. */
static int place_funcs(struct apply *a)
{
	size_t slot = 0;
	for (size_t i = 0; i < a->nfuncs; i++) {
		struct target_func *tf = &a->funcs[i];
		uint64_t gate;
		struct image *im = copy_of(a, tf, &gate);
		if (!tf->restore) {
			GElf_Sym sym;
			patch_symbol(a->pf, tf->rec->new_symbol, &sym);
			tf->new_addr = image_symbol_addr(im, tf->rec->new_symbol);
			tf->new_size = sym.st_size;
			uint64_t off = tf->new_addr - im->base;
			tf->to = skip_padding(tf->new_addr, im->bytes + off,
					      tf->new_size < im->size - off ? tf->new_size : 0);
		}
		if (!tf->pad)
			continue;
		uint64_t slot_addr = tf->slot = image_slot_addr(im, slot++);
		uint8_t *slot_bytes = im->bytes + (slot_addr - im->base);
		if (tf->form.room) {
			tf->stub = slot_addr + ROOM_STUB_OFF;
			if (!tf->from)
				tf->from = tf->stub;
			if (tf->restore && !tf->to)
				tf->to = tf->stub;
		}
		slot_encode(slot_bytes, slot_addr, gate, tf->from, tf->to);
		if (tf->form.room && room_stub(slot_bytes + ROOM_STUB_OFF, tf->stub, tf->pad, tf->form.code,
					       tf->form.displaced, tf->name) < 0)
			return -1;
	}
	return 0;
}

static void fill_entry(struct apply *a, struct state_entry *e, struct redirect **rd, size_t *nrd)
{
	memset(e, 0, sizeof *e);
	snprintf(e->patch.name, sizeof e->patch.name, "%s", patch_string(a->pf, a->pf->header->name));
	snprintf(e->patch.object, sizeof e->patch.object, "%s", a->im.bound[0]->path);
	memcpy(e->patch.build_id, a->im.bound[0]->build_id, a->im.bound[0]->build_id_len);
	e->patch.build_id_len = (uint32_t)a->im.bound[0]->build_id_len;
	e->patch.state = PS_LOADED;
	e->patch.model = (uint32_t)a->o->model;
	e->patch.n_funcs = (uint32_t)a->nfuncs;
	e->patch.mem = a->mem;
	e->patch.mem_size = a->im.size;
	e->patch.code_end = a->mem + a->im.code_size;
	e->patch.gate = a->split.on ? a->split.gate[0] : a->mem;
	e->patch.pre_unpatch = callback_addr(&a->im, SUTURE_CB_PRE_UNPATCH);
	e->patch.post_unpatch = callback_addr(&a->im, SUTURE_CB_POST_UNPATCH);
	e->funcs = xcalloc(a->nfuncs + 1, sizeof *e->funcs);
	*rd = xcalloc(a->nfuncs + 1, sizeof **rd);
	*nrd = 0;
	for (size_t i = 0; i < a->nfuncs; i++) {
		struct target_func *tf = &a->funcs[i];
		struct state_func *sf = &e->funcs[i];
		snprintf(sf->name, sizeof sf->name, "%s", tf->name);
		sf->old_addr = tf->addr;
		sf->old_size = tf->size;
		sf->pad = tf->pad;
		memcpy(sf->orig_pad, tf->orig_pad, PAD_LEN);
		sf->displaced = tf->form.room ? tf->form.displaced : 0;
		sf->room = tf->form.room;
		sf->stub = tf->stub;
		memcpy(sf->orig_room, tf->form.orig_room, ROOM_JUMP);
		sf->new_addr = tf->new_addr;
		sf->new_size = tf->new_size;
		sf->target = tf->to;
		sf->flags = tf->rec ? tf->rec->flags : 0;
		if (!tf->pad)
			continue;
		sf->slot = tf->slot;
		struct redirect *r = &(*rd)[(*nrd)++];
		r->pad = tf->pad;
		memcpy(r->orig_pad, tf->orig_pad, PAD_LEN);
		r->len = tf->form.len;
		r->room = tf->form.room;
		r->stub = tf->stub;
		memcpy(r->orig_room, tf->form.orig_room, ROOM_JUMP);
		r->from = tf->from;
		r->to = tf->to;
		r->slot = sf->slot;
	}
}

/* The code that must not be running for the switch (stop model). */
static struct busy_range *busy_ranges(struct apply *a, size_t *n)
{
	struct busy_range *b = xcalloc(2 * a->nfuncs + 1, sizeof *b);
	*n = 0;
	for (size_t i = 0; i < a->nfuncs; i++) {
		struct target_func *tf = &a->funcs[i];
		b[(*n)++] = (struct busy_range){ tf->addr, tf->addr + tf->size, tf->name };
		if (tf->from_lo)
			b[(*n)++] = (struct busy_range){ tf->from_lo, tf->from_hi, tf->name };
	}
	return b;
}

/* Undo what loading did, before any switch: free memory and state. */
static void unload(struct apply *a, struct thread **t)
{
	if (a->im.pinned)
		return;   /* a callback that never returned runs in it (and may use the state) */
	if (a->split.on && a->mem) {
		if (patch_unwind_deregister(a->p, *t, a->split.mem[1]) == 0 &&
		    patch_unwind_deregister(a->p, *t, a->mem) == 0) {
			patch_unwind_unload(a->p, *t, &a->im);
			patch_unwind_unload(a->p, *t, &a->far);
			uint64_t size[2] = { a->im.size, a->far.size };
			split_unmap(&a->split, a->p, *t, size);
		}
	} else if (a->mem && patch_unwind_deregister(a->p, *t, a->mem) == 0) {
		patch_unwind_unload(a->p, *t, &a->im);
		remote_munmap(a->p, *t, a->mem, a->im.size);
	}
	if (a->state_created && a->st.base)
		remote_munmap(a->p, *t, a->st.base, STATE_SIZE);
}

/* After a --replace switch: the patches it superseded are gone. */
static void retire_replaced(struct apply *a, struct state_entry *e, struct thread *t)
{
	for (size_t i = 0; i < a->st.n; i++) {
		struct state_entry *old = &a->st.entries[i];
		if (old->patch.state != PS_APPLIED || old == e)
			continue;
		if (strcmp(old->patch.object, e->patch.object) != 0)
			continue;
		old->patch.replaced_by = e->patch.seq;
		old->patch.state = PS_REPLACED;
		/* stop and thread: no thread was in its code when it switched
		 * (or left it since), so nothing can run in it any more; none
		 * keeps it (and its record) */
		if (a->o->model != CM_NONE && patch_unwind_deregister(a->p, t, old->patch.mem) == 0 &&
		    split_free(a->p, t, old->patch.mem) == 0) {
			remote_munmap(a->p, t, old->patch.mem, old->patch.mem_size);
			old->patch.mem = 0;
		}
	}
	state_commit(a->p, &a->st);
}

/* The new code: what a thread must not run to go back to the old
 * universe (a `thread` transition reversed at the timeout). */
static struct busy_range *new_ranges(struct apply *a, size_t *n)
{
	struct busy_range *b = xcalloc(a->nfuncs + 3, sizeof *b);
	*n = 0;
	for (size_t i = 0; i < a->nfuncs; i++)
		if (a->funcs[i].new_addr)
			b[(*n)++] = (struct busy_range){ a->funcs[i].new_addr,
				a->funcs[i].new_addr + a->funcs[i].new_size, a->funcs[i].name };
	b[(*n)++] = (struct busy_range){ a->mem, a->mem + a->im.code_size, "the code of the patch" };
	if (a->split.on)
		b[(*n)++] = (struct busy_range){ a->split.mem[1], a->split.mem[1] + a->far.code_size,
						 "the code of the patch" };
	return b;
}

/* The patch's memory: one mapping, or two copies for a split patch. */
static int map_memory(struct apply *a, struct thread *t)
{
	if (!a->split.on)
		return map_patch_memory(a, t, &a->maps);
	uint64_t size[2] = { a->im.size, a->far.size };
	if (split_map(&a->split, a->p, t, &a->maps, size) < 0)
		return -1;
	a->mem = a->split.mem[0];
	return 0;
}

/* Writes a relocated copy IM into the process, its data writable, its
 * unwind information registered. */
static int load_copy(struct apply *a, struct thread *t, struct image *im)
{
	if (mem_write(a->p, im->base, im->bytes, im->size) < 0)
		return -1;
	if (im->has_data &&
	    remote_mprotect(a->p, t, im->base + im->code_size, im->size - im->code_size,
			    PROT_READ | PROT_WRITE) < 0)
		return -1;
	return patch_unwind_register(a->p, t, im);
}

static int apply_loaded(struct apply *a)
{
	/* the unwinder reads the objects' files and their unwind tables:
	 * before anything is stopped (in a process stopped by SIGSTOP, no
	 * thread waits for it: it reads those it needs, when it needs them) */
	struct unwinder *u = a->o->model != CM_NONE ? unwinder_new(a->p) : NULL;
	if (u && !a->o->held && !pid_is_stopped(a->p->pid))
		unwinder_warm(u);
	patch_unwind_report(u, a->p, &a->st);
	struct thread *t;
	if (proc_seize_one(a->p, &t) < 0) {
		unwinder_free(u);
		return -1;
	}
	/* the loading thread runs but for each system call made through it
	 * (inject.h): held by ptrace, the process is ours alone */
	proc_resume_all(a->p);
	/* re-read under ptrace: another suture may have changed it meanwhile */
	if (state_reread(a->p, &a->st) < 0)
		goto undo;
	if (!a->st.base || memcmp(a->st.header.magic, STATE_MAGIC, 8) != 0) {
		if (state_create(a->p, t, &a->st) < 0)
			goto undo;
		a->state_created = true;
	}
	shadow_bind_root(&a->im, a->st.base);
	if (a->split.on)
		shadow_bind_root(&a->far, a->st.base);
	if (map_memory(a, t) < 0 || image_resolve_ifuncs(&a->im, a->p, t) < 0 ||
	    image_relocate(&a->im, a->mem) < 0)
		goto undo;
	if (a->split.on && (image_resolve_ifuncs(&a->far, a->p, t) < 0 ||
			    image_relocate(&a->far, a->split.mem[1]) < 0))
		goto undo;
	if (place_funcs(a) < 0)
		goto undo;
	if (a->split.on)
		split_write_header(&a->split, &a->far, a->im.bytes);
	fault_point("mapped");   /* the patch's memory mapped, in no record yet */
	if (load_copy(a, t, &a->im) < 0 || (a->split.on && load_copy(a, t, &a->far) < 0))
		goto undo;
	fault_point("registered");   /* written, its unwind information too */
	/* a callback's thread is created by a stopped one (thread_call.h) */
	if (callback_addr(&a->im, SUTURE_CB_PRE_PATCH) &&
	    (thread_hold(a->p, t) < 0 || callbacks_run(&a->im, a->p, &t, SUTURE_CB_PRE_PATCH, a->o->timeout) < 0))
		goto undo;
	proc_resume_all(a->p);

	struct state_entry e;
	struct redirect *rd;
	size_t nrd, nbusy, nback;
	fill_entry(a, &e, &rd, &nrd);
	struct state_entry *ep = state_append(a->p, &a->st, &e);
	free(e.funcs);
	if (!ep) {
		free(rd);
		goto undo;
	}
	fault_point("loaded");
	/* the loading thread runs again until the switch stops everything */
	proc_resume_all(a->p);
	struct busy_range *busy = busy_ranges(a, &nbusy);
	struct busy_range *back = new_ranges(a, &nback);
	size_t nopaque;
	struct busy_range *opaque = patch_code_ranges(&a->st, &nopaque);
	struct transition tr = {
		.p = a->p, .model = a->o->model, .timeout = a->o->timeout, .force = a->o->force,
		.r = rd, .n = nrd, .gate = ep->patch.gate, .gate_to = 1,
		.busy = busy, .nbusy = nbusy, .opaque = opaque, .nopaque = nopaque,
		.back = back, .nback = nback, .st = &a->st, .entry = ep,
		.during = PS_APPLYING, .after = PS_APPLIED, .unwinder = u,
	};
	int rc = transition_run(&tr);
	ep = tr.entry;
	if (rc == 0 && a->o->replace)
		retire_replaced(a, ep, t);
	if (rc == 0)
		fault_point("switched");   /* recorded as applied, the threads still held */
	/* a transition that could be neither finished nor reversed stays in
	 * the record, for status and revert */
	bool in_transition = ep->patch.state == PS_APPLYING || ep->patch.state == PS_REVERTING;
	if (rc != 0 && proc_alive(a->p) && !in_transition) {
		char *saved = xstrdup(err_msg());
		/* every thread let go; unloading borrows one again */
		proc_finish(a->p);
		if (proc_seize_one(a->p, &t) == 0) {
			/* the record first: a suture killed in between leaks memory,
			 * never leaves a record of memory that is gone */
			if (!a->state_created)
				state_drop(a->p, &a->st, ep);
			unload(a, &t);
		}
		err_set("%s", saved);
		free(saved);
	}
	/* the threads go first; the bookkeeping can wait */
	proc_finish(a->p);
	stop_mark("release");
	if (rc == 0 && !proc_alive(a->p))
		rc = err_set("process %d exited during the apply", a->p->pid);
	if (rc == 0 && callback_addr(&a->im, SUTURE_CB_POST_PATCH)) {
		/* the patch is in: a failing post-patch callback does not undo it */
		struct thread *cb;
		if (proc_seize_one(a->p, &cb) == 0 &&
		    callbacks_run(&a->im, a->p, &cb, SUTURE_CB_POST_PATCH, a->o->timeout) < 0 && a->im.pinned)
			rc = err_prefix("patch '%s' is applied (and stays), but",
					patch_string(a->pf, a->pf->header->name));
		proc_finish(a->p);
	}
	unwinder_free(tr.unwinder);
	ranges_free(opaque, nopaque);
	free(busy);
	free(back);
	free(rd);
	return rc;
undo:;
	unwinder_free(u);
	char *saved = xstrdup(err_msg());
	if (proc_alive(a->p))
		unload(a, &t);
	err_set("%s", saved);
	free(saved);
	return -1;
}

/* The path of the first object copy 1 serves (for messages). */
static const char *first_far_object(const struct apply *a)
{
	for (uint32_t i = 0; i < a->pf->header->n_objects; i++)
		if (a->split.serves[1] >> i & 1)
			return a->im.bound[i]->path;
	return "?";
}

/* One copy of the image, or two when the objects are too far apart for
 * one mapping (split.h). */
static int plan_copies(struct apply *a)
{
	if (split_plan(&a->split, a->im.bound, a->pf->header->n_objects) < 0)
		return -1;
	if (!a->split.on)
		return 0;
	if (a->o->replace)
		return err_set("--replace with a patch whose target objects are more than 2 GB apart "
			       "in process %d is not supported: revert the earlier patches, then apply",
			       a->p->pid);
	a->im.serves = a->split.serves[0];
	return 0;
}

/* The callbacks of a split patch run in copy 0: each must use only what
 * copy 0 reaches (the program's, the global scope, the patch's own data). */
static int check_split_callbacks(struct apply *a)
{
	const struct patch_file *pf = a->pf;
	for (uint32_t i = 0; a->split.on && i < pf->header->n_callbacks; i++)
		if (!image_runs_here(&a->im, pf->callbacks[i].symbol))
			return err_set("callback %s of patch '%s' uses %s's private symbols, more than "
				       "2 GB from %s in process %d: make one patch per object for it",
				       patch_symbol_name(pf, pf->callbacks[i].symbol),
				       patch_string(pf, pf->header->name), first_far_object(a),
				       a->im.bound[0]->path, a->p->pid);
	return 0;
}

/* The second copy: the same image, placed near the second group. */
static int prepare_far(struct apply *a)
{
	uint32_t n = a->pf->header->n_objects;
	a->far.pf = a->pf;
	a->far.bound = xcalloc(n + 1, sizeof *a->far.bound);
	memcpy(a->far.bound, a->im.bound, n * sizeof *a->far.bound);
	a->far.objs = a->objs;
	a->far.nobjs = a->nobjs;
	a->far.nslots = a->im.nslots;
	a->far.serves = a->split.serves[1];
	return image_prepare(&a->far, a->p);
}

int runtime_apply(pid_t pid, struct patch_file *pf, const struct apply_opts *o)
{
	struct apply a = { .pf = pf, .o = o };
	int rc = -1;
	a.p = proc_open(pid);
	if (!a.p)
		return -1;
	if (maps_read(pid, &a.maps) < 0 || objects_read(pid, &a.maps, &a.objs, &a.nobjs) < 0)
		goto out;
	if (state_read(a.p, &a.st) < 0) {
		/* --all: a process another suture patched is skipped, said so */
		if (o->quiet_not_target && a.st.other_version)
			rc = RT_OTHER_BUILD;
		goto out;
	}
	a.funcs = xcalloc(pf->header->n_funcs + 1, sizeof *a.funcs);
	a.im.pf = pf;
	a.im.bound = xcalloc(pf->header->n_objects + 1, sizeof *a.im.bound);
	a.im.objs = a.objs;
	a.im.nobjs = a.nobjs;
	for (uint32_t oi = 0; oi < pf->header->n_objects; oi++)
		if ((rc = bind_object(&a, oi, &a.nfuncs)) != 0) {
			/* an interrupted switch explains a mismatch better */
			if (rc == -1 || rc == RT_OTHER_BUILD)
				refuse_interrupted(&a);
			goto out;
		}
	rc = -1;
	if (refuse_interrupted(&a) < 0)
		goto out;
	if (a.nfuncs == 0) {
		err_set("the patch replaces no function");
		goto out;
	}
	if (plan_copies(&a) < 0)
		goto out;
	if (o->replace)
		add_restores(&a);
	for (size_t i = 0; i < a.nfuncs; i++)
		if (a.funcs[i].pad)
			a.im.nslots++;
	if (image_prepare(&a.im, a.p) < 0 || check_split_callbacks(&a) < 0 ||
	    (a.split.on && prepare_far(&a) < 0))
		goto out;
	rc = apply_loaded(&a);
out:
	if (a.p)
		proc_close(a.p);
	image_free(&a.im);
	image_free(&a.far);
	state_free(&a.st);
	objects_free(a.objs, a.nobjs);
	maps_free(&a.maps);
	free(a.funcs);
	return rc;
}
