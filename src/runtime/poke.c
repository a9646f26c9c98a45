/* Changing code while the process runs (see poke.h). */
#include "runtime/poke.h"
#include "runtime/async_call.h"
#include "runtime/maps.h"
#include "common/error.h"
#include "common/util.h"

#include <capstone/capstone.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define LINE 64u
#define PAGE 4096ull
/* the piece makes two system calls per mapping and a few stores */
#define PIECE_TIMEOUT 5.0

/* The 8-byte store that makes a change: where, and all 8 bytes. */
struct store {
	uint64_t at;
	uint8_t bytes[8];
};

/* Pages made writable for the stores, and their own protection. */
struct range {
	uint64_t lo, hi;
	int prot;
};

/* The start of an 8-byte window in one cache line holding [ADDR, ADDR+LEN). */
static bool window_of(uint64_t addr, unsigned len, uint64_t *at)
{
	uint64_t a = addr % LINE + 8 <= LINE ? addr : addr + len - 8;
	if (len == 0 || len > 8 || a % LINE + 8 > LINE)
		return false;
	*at = a;
	return true;
}

/* Does the instruction at ADDR (its bytes CODE) cover LEN bytes? int3
 * counts as covering: nobody runs a room that is still unused. */
static bool covers(csh cs, uint64_t addr, const uint8_t *code, unsigned len)
{
	if (code[0] == 0xcc)
		return true;
	cs_insn *in = NULL;
	bool ok = cs_disasm(cs, code, 16, addr, 1, &in) == 1 && in->size >= len;
	if (in)
		cs_free(in, 1);
	return ok;
}

bool poke_safe(struct proc *p, const struct poke *w, size_t n)
{
	csh cs;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
		return false;
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		uint8_t code[16];
		uint64_t at;
		ok = window_of(w[i].addr, w[i].len, &at) && mem_read(p, w[i].addr, code, sizeof code) == 0 &&
		     covers(cs, w[i].addr, code, w[i].len);
	}
	cs_close(&cs);
	return ok;
}

/* The stores for W, each window read from the process with the changes
 * before it in W applied (two changes may share a window). */
static int plan_stores(struct proc *p, const struct poke *w, size_t n, struct store *out)
{
	for (size_t i = 0; i < n; i++) {
		if (!window_of(w[i].addr, w[i].len, &out[i].at))
			return err_set("cannot change the code at 0x%llx atomically", (unsigned long long)w[i].addr);
		if (mem_read(p, out[i].at, out[i].bytes, 8) < 0)
			return -1;
		for (size_t k = 0; k <= i; k++)
			for (unsigned b = 0; b < w[k].len; b++) {
				uint64_t a = w[k].addr + b;
				if (a >= out[i].at && a < out[i].at + 8)
					out[i].bytes[a - out[i].at] = w[k].bytes[b];
			}
	}
	return 0;
}

static int prot_of(const struct map *m)
{
	return (m->perms[0] == 'r' ? PROT_READ : 0) | (m->perms[1] == 'w' ? PROT_WRITE : 0) |
	       (m->perms[2] == 'x' ? PROT_EXEC : 0);
}

/* One range per mapping the stores fall in, covering their pages. */
static int plan_ranges(struct proc *p, const struct store *s, size_t n, struct range *out, size_t *nout)
{
	struct maps m;
	if (maps_read(p->pid, &m) < 0)
		return -1;
	int rc = 0;
	*nout = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct map *map = maps_find(&m, s[i].at);
		if (!map || s[i].at + 8 > map->end || map->perms[2] != 'x') {
			rc = err_set("process %d: 0x%llx is not in code", p->pid, (unsigned long long)s[i].at);
			break;
		}
		uint64_t lo = s[i].at & ~(PAGE - 1), hi = (s[i].at + 8 + PAGE - 1) & ~(PAGE - 1);
		size_t k = 0;
		while (k < *nout && !(out[k].lo >= map->start && out[k].hi <= map->end))
			k++;
		if (k == *nout)
			out[(*nout)++] = (struct range){ lo, hi, prot_of(map) };
		if (lo < out[k].lo)
			out[k].lo = lo;
		if (hi > out[k].hi)
			out[k].hi = hi;
	}
	maps_free(&m);
	return rc;
}

/* The machine code of the piece, appended to a buffer. */
struct code {
	struct buf b;
};

static void emit(struct code *c, const void *bytes, size_t n)
{
	buf_add(&c->b, bytes, n);
}

static void emit_imm64(struct code *c, uint8_t reg_opcode, uint64_t value)
{
	uint8_t op[2] = { 0x48, reg_opcode };   /* movabs $value, reg */
	emit(c, op, 2);
	emit(c, &value, 8);
}

/* mprotect(lo, hi - lo, prot): the result in %rax. */
static void emit_mprotect(struct code *c, const struct range *r, int prot)
{
	uint8_t nr[5] = { 0xb8 }, edx[5] = { 0xba };
	uint32_t sys = SYS_mprotect, pr = (uint32_t)prot;
	memcpy(nr + 1, &sys, 4);
	memcpy(edx + 1, &pr, 4);
	emit(c, nr, 5);                 /* mov $SYS_mprotect, %eax */
	emit_imm64(c, 0xbf, r->lo);     /* movabs $lo, %rdi */
	emit_imm64(c, 0xbe, r->hi - r->lo);
	emit(c, edx, 5);                /* mov $prot, %edx */
	emit(c, "\x0f\x05", 2);         /* syscall */
}

/* A rel32 jump or jne whose target is known later: its offset's place. */
static size_t emit_jump(struct code *c, bool if_nonzero)
{
	if (if_nonzero)
		emit(c, "\x48\x85\xc0\x0f\x85", 5);   /* test %rax,%rax; jne */
	else
		emit(c, "\xe9", 1);                   /* jmp */
	uint32_t zero = 0;
	emit(c, &zero, 4);
	return c->b.len - 4;
}

static void patch_jump(struct code *c, size_t at, size_t target)
{
	int32_t rel = (int32_t)((int64_t)target - (int64_t)(at + 4));
	memcpy((uint8_t *)c->b.data + at, &rel, 4);
}

/*     push %rbx; xor %ebx,%ebx
 *     mprotect(range i, its prot | PROT_WRITE); on error -> fail_i   (each i)
 *     movabs $bytes,%rax; movabs $at,%rdi; mov %rax,(%rdi)          (each store)
 * restore_i: mprotect(range i, its prot)                   (i = last .. 0)
 *     mov %rbx,%rax; pop %rbx; ret
 * fail_i: mov %rax,%rbx; jmp restore_(i-1) (or the end)
 * It returns 0, or the -errno of the mprotect that failed (nothing stored). */
static void write_piece(struct code *c, const struct store *s, size_t n, const struct range *r, size_t nr)
{
	size_t *fail_at = xcalloc(nr + 1, sizeof *fail_at), *restore_at = xcalloc(nr + 1, sizeof *restore_at);
	emit(c, "\x53\x31\xdb", 3);
	for (size_t i = 0; i < nr; i++) {
		emit_mprotect(c, &r[i], r[i].prot | PROT_WRITE);
		fail_at[i] = emit_jump(c, true);
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t value;
		memcpy(&value, s[i].bytes, 8);
		emit_imm64(c, 0xb8, value);
		emit_imm64(c, 0xbf, s[i].at);
		emit(c, "\x48\x89\x07", 3);   /* mov %rax,(%rdi) */
	}
	for (size_t i = nr; i-- > 0;) {
		restore_at[i] = c->b.len;
		emit_mprotect(c, &r[i], r[i].prot);
	}
	size_t end = c->b.len;
	emit(c, "\x48\x89\xd8\x5b\xc3", 5);
	for (size_t i = 0; i < nr; i++) {
		patch_jump(c, fail_at[i], c->b.len);
		emit(c, "\x48\x89\xc3", 3);   /* mov %rax,%rbx */
		patch_jump(c, emit_jump(c, false), i ? restore_at[i - 1] : end);
	}
	free(fail_at);
	free(restore_at);
}

/* The thread that makes the changes: the leader if it runs, else one that
 * runs, else one stopped by SIGSTOP (the call is then made while suture
 * holds it: async_call.h). */
static struct thread *some_thread(struct proc *p)
{
	struct thread *leader = NULL, *running = NULL, *any = NULL;
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread *t = p->threads[i];
		if (!t->seized || t->gone || t->stopped)
			continue;
		if (!any)
			any = t;
		if (t->group_stop)
			continue;
		if (t->tid == p->pid)
			leader = t;
		else if (!running)
			running = t;
	}
	return leader ? leader : running ? running : any;
}

/* In a running thread of P (none: every thread is held by someone). */
static int run_in_a_thread(struct proc *p, const struct code *c, long *result)
{
	struct thread *t = some_thread(p);
	if (!t) {
		/* stopped by SIGSTOP: written with every thread stopped */
		err_set("process %d has no running thread to change its code", p->pid);
		return POKE_CANNOT;
	}
	/* these stops are ours, not a check's */
	void (*checker)(struct proc *, struct thread *, void *) = p->on_wanted_stop;
	p->on_wanted_stop = NULL;
	static const uint64_t no_args[2];
	uint64_t ret = 0;
	int rc = async_call(p, t, 0, c->b.data, c->b.len, no_args, PIECE_TIMEOUT, &ret);
	p->on_wanted_stop = checker;
	*result = (long)ret;
	return rc;
}

int poke_run(struct proc *p, const struct poke *w, size_t n)
{
	if (!n)
		return 0;
	struct store *stores = xcalloc(n, sizeof *stores);
	struct range *ranges = xcalloc(n, sizeof *ranges);
	size_t nranges = 0;
	struct code c = { {0} };
	long result = 0;
	int rc = plan_stores(p, w, n, stores);
	if (rc == 0)
		rc = plan_ranges(p, stores, n, ranges, &nranges);
	if (rc == 0) {
		write_piece(&c, stores, n, ranges, nranges);
		rc = run_in_a_thread(p, &c, &result);
	}
	if (rc == 0 && result < 0) {
		errno = (int)-result;
		err_set_errno("process %d (%s) may not make its code writable for a moment", p->pid, p->comm);
		rc = POKE_CANNOT;
	}
	buf_free(&c.b);
	free(stores);
	free(ranges);
	return rc;
}
