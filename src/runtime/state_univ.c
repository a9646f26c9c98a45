/* The per-thread universes of a transition, kept in the record so that
 * `suture status` can name the threads still in the old universe without
 * stopping the process (a thread's universe byte itself lives in its
 * thread control block, where only a stopped thread's registers say
 * where).  Not covered by the image's checksum: every entry is one
 * aligned 8-byte write, the count is written after the entries it
 * counts, and the table means something only while a patch's gate says
 * "by thread". */
#include "runtime/state.h"
#include "common/error.h"
#include "common/util.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct threads_head {
	uint64_t seq;
	uint32_t n;
	uint32_t target;
};

static uint64_t entry_addr(const struct state *st, uint32_t i)
{
	return st->base + STATE_THREADS_OFF + sizeof(struct threads_head) + (uint64_t)i * sizeof(struct state_thread);
}

int state_threads_read(struct proc *p, struct state *st)
{
	struct threads_head h;
	free(st->threads.t);
	memset(&st->threads, 0, sizeof st->threads);
	if (!st->base || !st->header.magic[0])
		return 0;
	if (mem_read(p, st->base + STATE_THREADS_OFF, &h, sizeof h) < 0)
		return -1;
	if (!h.seq)
		return 0;
	if (h.n > STATE_THREADS_MAX || h.target > 1)
		return err_set("process %d (%s): suture's record in it is damaged (the threads in transition: "
			       "%u); its patches cannot be known: restart the process to patch it again", p->pid,
			       p->comm, h.n), -2;
	st->threads.seq = h.seq;
	st->threads.n = h.n;
	st->threads.target = h.target;
	st->threads.t = xcalloc(h.n + 1, sizeof *st->threads.t);
	return mem_read(p, entry_addr(st, 0), st->threads.t, h.n * sizeof *st->threads.t);
}

int state_threads_begin(struct proc *p, struct state *st, uint64_t seq, uint8_t target)
{
	struct threads_head h = { 0, 0, target };
	free(st->threads.t);
	memset(&st->threads, 0, sizeof st->threads);
	st->threads.target = target;
	if (mem_write(p, st->base + STATE_THREADS_OFF, &h, sizeof h) < 0)
		return -1;
	st->threads.seq = seq;
	return mem_write(p, st->base + STATE_THREADS_OFF, &seq, 8);
}

int state_thread_set(struct proc *p, struct state *st, pid_t tid, uint8_t universe)
{
	uint32_t i = 0;
	while (i < st->threads.n && st->threads.t[i].tid != tid)
		i++;
	struct state_thread e = { tid, universe, {0} };
	if (i == st->threads.n) {
		/* a table too small only costs status its exactness, never safety */
		if (i >= STATE_THREADS_MAX)
			return 0;
		st->threads.t = xrealloc(st->threads.t, (i + 2) * sizeof *st->threads.t);
		st->threads.t[i] = e;
		if (mem_write(p, entry_addr(st, i), &e, sizeof e) < 0)
			return -1;
		st->threads.n = i + 1;
		return mem_write(p, st->base + STATE_THREADS_OFF + offsetof(struct threads_head, n), &st->threads.n, 4);
	}
	st->threads.t[i] = e;
	return mem_write(p, entry_addr(st, i), &e, sizeof e);
}

int state_threads_fill(struct proc *p, struct state *st, const pid_t *tids, uint32_t n, uint8_t universe)
{
	if (n > STATE_THREADS_MAX)
		n = STATE_THREADS_MAX;
	free(st->threads.t);
	st->threads.t = xcalloc(n + 1, sizeof *st->threads.t);
	for (uint32_t i = 0; i < n; i++)
		st->threads.t[i] = (struct state_thread){ tids[i], universe, {0} };
	if (mem_write(p, entry_addr(st, 0), st->threads.t, n * sizeof *st->threads.t) < 0)
		return -1;
	st->threads.n = n;
	return mem_write(p, st->base + STATE_THREADS_OFF + offsetof(struct threads_head, n), &n, 4);
}

int state_threads_end(struct proc *p, struct state *st)
{
	uint64_t zero = 0;
	st->threads.seq = 0;
	return mem_write(p, st->base + STATE_THREADS_OFF, &zero, 8);
}
