/* Reading and writing the record of patches inside the process. */
#include "runtime/state.h"
#include "runtime/inject.h"
#include "runtime/maps.h"
#include "common/error.h"
#include "common/util.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

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

static int read_at(struct proc *p, struct state *st, uint64_t base, uint64_t size);

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
	memset(st, 0, sizeof *st);
	return read_at(p, st, base, size);
}

static int read_at(struct proc *p, struct state *st, uint64_t base, uint64_t size)
{
	st->size = size;
	if (mem_read(p, base, &st->header, sizeof st->header) < 0)
		return -1;
	if (memcmp(st->header.magic, STATE_MAGIC, 8) != 0) {
		/* created but never written: suture was stopped right after mapping it */
		st->base = base;
		return 0;
	}
	if (st->header.version != STATE_VERSION)
		return err_set("process %d holds suture state version %u; this suture reads version %d",
			       p->pid, st->header.version, STATE_VERSION);
	if (st->header.used > size)
		return err_set("process %d: suture state is damaged (%llu bytes used of %llu)",
			       p->pid, (unsigned long long)st->header.used, (unsigned long long)size);
	st->base = base;
	uint64_t off = sizeof st->header;
	for (uint32_t i = 0; i < st->header.n_patches; i++) {
		struct state_entry e = { .addr = base + off };
		if (off + sizeof e.patch > size || mem_read(p, base + off, &e.patch, sizeof e.patch) < 0)
			return err_set("process %d: suture state is damaged (patch record %u)", p->pid, i);
		off += sizeof e.patch;
		if (e.patch.n_funcs > 100000 || off + e.patch.n_funcs * sizeof *e.funcs > size)
			return err_set("process %d: suture state is damaged (patch record %u)", p->pid, i);
		e.funcs = xcalloc(e.patch.n_funcs + 1, sizeof *e.funcs);
		if (mem_read(p, base + off, e.funcs, e.patch.n_funcs * sizeof *e.funcs) < 0) {
			free(e.funcs);
			return -1;
		}
		off += e.patch.n_funcs * sizeof *e.funcs;
		e.patch.name[sizeof e.patch.name - 1] = '\0';
		e.patch.object[sizeof e.patch.object - 1] = '\0';
		st->entries = xrealloc(st->entries, (st->n + 1) * sizeof *st->entries);
		st->entries[st->n++] = e;
	}
	return 0;
}

void state_free(struct state *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->entries[i].funcs);
	free(st->entries);
	memset(st, 0, sizeof *st);
}

static int remote_call_checked(struct proc *p, struct thread *t, long nr, long a0, long a1, long a2,
			       long a3, long a4, const char *what, long *ret)
{
	long args[6] = { a0, a1, a2, a3, a4, 0 };
	if (remote_syscall(p, t, nr, args, ret) < 0)
		return -1;
	if (*ret < 0 && *ret > -4096)
		return err_set("cannot create suture's state in process %d: %s failed (%s)",
			       p->pid, what, strerror((int)-*ret));
	return 0;
}

int state_create(struct proc *p, struct thread *t, struct state *st)
{
	/* memfd_create needs its name in the target's memory: a scratch page. */
	uint64_t scratch;
	if (remote_mmap(p, t, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, &scratch) < 0)
		return -1;
	long fd = -1, addr = 0, r;
	int rc = mem_write(p, scratch, STATE_NAME, sizeof STATE_NAME);
	if (rc == 0)
		rc = remote_call_checked(p, t, SYS_memfd_create, (long)scratch, 1 /* MFD_CLOEXEC */, 0, 0, 0,
					 "memfd_create", &fd);
	if (rc == 0)
		rc = remote_call_checked(p, t, SYS_ftruncate, fd, STATE_SIZE, 0, 0, 0, "ftruncate", &r);
	if (rc == 0)
		rc = remote_call_checked(p, t, SYS_mmap, 0, STATE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
					 "mmap", &addr);
	long args[6] = { fd };
	if (fd >= 0)
		remote_syscall(p, t, SYS_close, args, &r);
	args[0] = (long)scratch;
	args[1] = 4096;
	remote_syscall(p, t, SYS_munmap, args, &r);
	if (rc < 0)
		return -1;
	memset(st, 0, sizeof *st);
	st->base = (uint64_t)addr;
	st->size = STATE_SIZE;
	memcpy(st->header.magic, STATE_MAGIC, 8);
	st->header.version = STATE_VERSION;
	st->header.used = sizeof st->header;
	st->header.next_seq = 1;
	return mem_write(p, st->base, &st->header, sizeof st->header);
}

int state_append(struct proc *p, struct state *st, struct state_entry *e)
{
	uint64_t need = sizeof e->patch + e->patch.n_funcs * sizeof *e->funcs;
	if (st->header.used + need > STATE_SHADOW_ROOT)
		return err_set("process %d: suture's state is full (%u patch records); restart the process "
			       "to start afresh", p->pid, st->header.n_patches);
	e->addr = st->base + st->header.used;
	e->patch.seq = st->header.next_seq;
	e->patch.applied_at = (uint64_t)time(NULL);
	if (mem_write(p, e->addr, &e->patch, sizeof e->patch) < 0 ||
	    mem_write(p, e->addr + sizeof e->patch, e->funcs, e->patch.n_funcs * sizeof *e->funcs) < 0)
		return -1;
	st->header.used += need;
	st->header.next_seq++;
	/* used and next_seq first, then the count that makes the record visible */
	if (mem_write(p, st->base + offsetof(struct state_header, used), &st->header.used, 16) < 0)
		return -1;
	st->header.n_patches++;
	if (mem_write(p, st->base + offsetof(struct state_header, n_patches), &st->header.n_patches, 4) < 0)
		return -1;
	st->entries = xrealloc(st->entries, (st->n + 1) * sizeof *st->entries);
	struct state_entry copy = *e;
	copy.funcs = xcalloc(e->patch.n_funcs + 1, sizeof *e->funcs);
	memcpy(copy.funcs, e->funcs, e->patch.n_funcs * sizeof *e->funcs);
	st->entries[st->n++] = copy;
	return 0;
}

int state_set(struct proc *p, struct state_entry *e, enum patch_state s)
{
	uint32_t v = s;
	e->patch.state = v;
	return mem_write(p, e->addr + offsetof(struct state_patch, state), &v, 4);
}

int state_set_replaced_by(struct proc *p, struct state_entry *e, uint64_t seq)
{
	e->patch.replaced_by = seq;
	return mem_write(p, e->addr + offsetof(struct state_patch, replaced_by), &seq, 8);
}
