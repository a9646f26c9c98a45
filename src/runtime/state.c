/* Reading and writing the record of patches inside the process (see
 * state.h for the layout and why it is never torn). */
#include "runtime/state.h"
#include "runtime/maps.h"
#include "common/error.h"
#include "common/util.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IMAGE_MAGIC "SUTIMAGE"
/* a reader that raced two changes in a row reads again this many times */
#define READ_TRIES 5

const char *patch_state_name(uint32_t s)
{
	switch (s) {
	case PS_LOADED: return "loaded";
	case PS_APPLYING: return "applying";
	case PS_APPLIED: return "applied";
	case PS_REVERTING: return "reverting";
	case PS_REVERTED: return "reverted";
	case PS_REPLACED: return "replaced";
	}
	return "unknown";
}

const char *consistency_name(uint32_t m)
{
	switch (m) {
	case CM_THREAD: return "thread";
	case CM_STOP: return "stop";
	case CM_NONE: return "none";
	}
	return "unknown";
}

static uint64_t fnv1a(const uint8_t *data, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ data[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t half_addr(const struct state *st, uint32_t half)
{
	return st->base + STATE_HALF_OFF + (uint64_t)half * STATE_HALF_SIZE;
}

#define DAMAGED (-2)

static int damaged(struct proc *p, const char *why)
{
	err_set("process %d (%s): suture's record in it is damaged (%s); its patches cannot be "
		       "known: restart the process to patch it again", p->pid, p->comm, why);
	return DAMAGED;
}

/* Parses an image read into BUF (LEN bytes) into ST's entries. */
static int parse_image(struct proc *p, struct state *st, uint8_t *buf, uint64_t len)
{
	struct state_image *im = (struct state_image *)buf;
	uint64_t off = sizeof *im;
	for (uint32_t i = 0; i < im->n_patches; i++) {
		struct state_entry e = {0};
		if (off + sizeof e.patch > len)
			return damaged(p, "a patch record runs past its end");
		memcpy(&e.patch, buf + off, sizeof e.patch);
		off += sizeof e.patch;
		if (e.patch.n_funcs > 100000 || off + (uint64_t)e.patch.n_funcs * sizeof *e.funcs > len)
			return damaged(p, "a patch record runs past its end");
		e.funcs = xcalloc(e.patch.n_funcs + 1, sizeof *e.funcs);
		memcpy(e.funcs, buf + off, e.patch.n_funcs * sizeof *e.funcs);
		off += e.patch.n_funcs * sizeof *e.funcs;
		e.patch.name[sizeof e.patch.name - 1] = '\0';
		e.patch.object[sizeof e.patch.object - 1] = '\0';
		for (uint32_t k = 0; k < e.patch.n_funcs; k++)
			e.funcs[k].name[sizeof e.funcs[k].name - 1] = '\0';
		st->entries = xrealloc(st->entries, (st->n + 1) * sizeof *st->entries);
		st->entries[st->n++] = e;
	}
	return 0;
}

/* Does a half of ST's record hold an image that lists patches?  (A
 * record whose header is gone is blank only if neither does.) */
static bool lists_patches(struct proc *p, const struct state *st)
{
	for (uint32_t half = 0; half < 2; half++) {
		struct state_image im;
		if (mem_read(p, half_addr(st, half), &im, sizeof im) == 0 &&
		    memcmp(im.magic, IMAGE_MAGIC, 8) == 0 && im.n_patches > 0)
			return true;
	}
	return false;
}

/* One attempt: 1 read and valid, 0 raced a writer (try again), -1 error. */
static int read_once(struct proc *p, struct state *st)
{
	if (mem_read(p, st->base, &st->header, sizeof st->header) < 0)
		return -1;
	if (memcmp(st->header.magic, STATE_MAGIC, 8) != 0) {
		/* created but never written: suture was stopped right after
		 * mapping it (the next apply makes its record there) */
		static const char zero[8];
		if (memcmp(st->header.magic, zero, 8) == 0)
			return lists_patches(p, st) ? damaged(p, "its header is gone, not its patches") : 1;
		return damaged(p, "bad magic");
	}
	if (st->header.version != STATE_VERSION)
		return st->other_version = true, err_set("process %d (%s) holds suture's record version %u; this suture reads version %d: "
			       "use the suture that patched it", p->pid, p->comm, st->header.version, STATE_VERSION);
	if (st->header.active > 1)
		return damaged(p, "no current image");
	uint64_t at = half_addr(st, st->header.active);
	if (mem_read(p, at, &st->image, sizeof st->image) < 0)
		return -1;
	if (memcmp(st->image.magic, IMAGE_MAGIC, 8) != 0)
		return 0;
	if (st->image.used < sizeof st->image || st->image.used > STATE_HALF_SIZE)
		return 0;
	uint8_t *buf = xmalloc(st->image.used);
	int rc = mem_read(p, at, buf, st->image.used);
	if (rc == 0) {
		struct state_image *im = (struct state_image *)buf;
		uint64_t sum = im->checksum;
		im->checksum = 0;
		if (sum != fnv1a(buf, st->image.used))
			rc = 0;   /* raced a writer, or damaged: read again */
		else if ((rc = parse_image(p, st, buf, st->image.used)) == 0)
			rc = 1;
	}
	free(buf);
	return rc;
}

static int read_at(struct proc *p, struct state *st, uint64_t base, uint64_t size)
{
	for (int i = 0; i < READ_TRIES; i++) {
		memset(st, 0, sizeof *st);
		st->base = base;
		st->size = size;
		int rc = size < STATE_SIZE ? damaged(p, "its mapping is too small") : read_once(p, st);
		if (rc == 1 && (rc = state_threads_read(p, st)) == 0)
			return 0;
		bool other = st->other_version;
		state_free(st);
		st->base = base;
		st->size = size;
		if (rc < 0) {
			st->base = base;
			st->size = size;
			st->damaged = rc == DAMAGED;
			st->other_version = other;
			return -1;
		}
		/* 0: raced a writer; read again */
	}
	damaged(p, "its checksum does not match");
	st->damaged = true;
	return -1;
}

int state_read(struct proc *p, struct state *st)
{
	memset(st, 0, sizeof *st);
	struct maps m;
	if (maps_read(p->pid, &m) < 0)
		return -1;
	const struct map *mp = maps_find_named(&m, "/memfd:" STATE_NAME);
	uint64_t base = mp ? mp->start : 0;
	uint64_t size = mp ? mp->end - mp->start : 0;
	maps_free(&m);
	if (!base)
		return 0;
	return read_at(p, st, base, size);
}

int state_reread(struct proc *p, struct state *st)
{
	uint64_t base = st->base, size = st->size;
	state_free(st);
	if (!base)
		return state_read(p, st);
	return read_at(p, st, base, size);
}

void state_free(struct state *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->entries[i].funcs);
	free(st->entries);
	free(st->threads.t);
	memset(st, 0, sizeof *st);
}

/* Whether a record still needs keeping: its patch runs, may run, or
 * owns memory something may still execute (a replaced patch under
 * `none`). */
static bool kept(const struct state_entry *e)
{
	if (e->patch.state == PS_REVERTED)
		return false;
	if (e->patch.state == PS_REPLACED)
		return e->patch.mem != 0;
	return true;
}

int state_commit(struct proc *p, struct state *st)
{
	uint64_t need = sizeof st->image;
	for (size_t i = 0; i < st->n; i++)
		if (kept(&st->entries[i]))
			need += sizeof st->entries[i].patch + st->entries[i].patch.n_funcs * sizeof *st->entries[i].funcs;
	if (need > STATE_HALF_SIZE)
		return err_set("process %d (%s): suture's record is full (%zu patches applied); revert some",
			       p->pid, p->comm, st->n);
	uint8_t *buf = xcalloc(1, need);
	struct state_image *im = (struct state_image *)buf;
	memcpy(im->magic, IMAGE_MAGIC, 8);
	im->generation = st->image.generation + 1;
	im->used = need;
	im->next_seq = st->image.next_seq;
	uint64_t off = sizeof *im;
	for (size_t i = 0; i < st->n; i++) {
		const struct state_entry *e = &st->entries[i];
		if (!kept(e))
			continue;
		memcpy(buf + off, &e->patch, sizeof e->patch);
		off += sizeof e->patch;
		memcpy(buf + off, e->funcs, e->patch.n_funcs * sizeof *e->funcs);
		off += e->patch.n_funcs * sizeof *e->funcs;
		im->n_patches++;
	}
	im->checksum = fnv1a(buf, need);
	uint32_t next = st->header.active ^ 1;
	int rc = mem_write(p, half_addr(st, next), buf, need);
	if (rc == 0 && st->header.magic[0]) {
		/* the flip: one aligned 4-byte write */
		rc = mem_write(p, st->base + offsetof(struct state_header, active), &next, 4);
	}
	if (rc == 0) {
		st->header.active = next;
		st->image = *im;
	}
	free(buf);
	return rc;
}

struct state_entry *state_append(struct proc *p, struct state *st, const struct state_entry *e)
{
	st->entries = xrealloc(st->entries, (st->n + 1) * sizeof *st->entries);
	struct state_entry *copy = &st->entries[st->n++];
	*copy = *e;
	copy->funcs = xcalloc(e->patch.n_funcs + 1, sizeof *e->funcs);
	memcpy(copy->funcs, e->funcs, e->patch.n_funcs * sizeof *e->funcs);
	copy->patch.seq = st->image.next_seq++;
	copy->patch.applied_at = (uint64_t)time(NULL);
	if (state_commit(p, st) < 0) {
		st->image.next_seq--;
		free(copy->funcs);
		st->n--;
		return NULL;
	}
	return copy;
}

int state_set(struct proc *p, struct state *st, struct state_entry *e, enum patch_state s)
{
	e->patch.state = s;
	return state_commit(p, st);
}

int state_drop(struct proc *p, struct state *st, struct state_entry *e)
{
	size_t i = (size_t)(e - st->entries);
	free(e->funcs);
	memmove(&st->entries[i], &st->entries[i + 1], (st->n - i - 1) * sizeof *st->entries);
	st->n--;
	return state_commit(p, st);
}
