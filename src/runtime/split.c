/* A patch in two copies, one near each group of its objects: see split.h. */
#include "runtime/split.h"
#include "runtime/inject.h"
#include "runtime/patch_unwind.h"
#include "common/error.h"
#include "common/util.h"

#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE 4096u
/* A group spans at most this much, so that one mapping reaches it. */
#define GROUP_SPAN ((uint64_t)1 << 30)

static bool fits(uint64_t lo, uint64_t hi, const struct object *o)
{
	uint64_t new_lo = o->lo < lo ? o->lo : lo, new_hi = o->hi > hi ? o->hi : hi;
	return new_hi - new_lo <= GROUP_SPAN;
}

int split_plan(struct split *sp, const struct object *const *bound, uint32_t nbound)
{
	memset(sp, 0, sizeof *sp);
	sp->lo[0] = bound[0]->lo;
	sp->hi[0] = bound[0]->hi;
	sp->serves[0] = 1;
	for (uint32_t i = 1; i < nbound; i++) {
		const struct object *o = bound[i];
		int g = fits(sp->lo[0], sp->hi[0], o) ? 0 : sp->serves[1] ? 1 : -1;
		if (g < 0) {   /* the first of a second group */
			g = 1;
			sp->lo[1] = o->lo;
			sp->hi[1] = o->hi;
		} else if (g == 1 && !fits(sp->lo[1], sp->hi[1], o)) {
			return err_set("the patch's target objects lie in more than two places (%s is far "
				       "from the others): split the patch by object", o->path);
		}
		sp->lo[g] = o->lo < sp->lo[g] ? o->lo : sp->lo[g];
		sp->hi[g] = o->hi > sp->hi[g] ? o->hi : sp->hi[g];
		sp->serves[g] |= 1ul << i;
	}
	sp->on = sp->serves[1] != 0;
	return 0;
}

static int mremap_alias(struct proc *p, struct thread *t, uint64_t from, uint64_t to)
{
	/* old size 0 on shared memory: a second mapping of the same page,
	 * over the placeholder at TO */
	long args[6] = { (long)from, 0, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, (long)to, 0 };
	long ret;
	if (remote_syscall(p, t, SYS_mremap, args, &ret) < 0)
		return -1;
	if (ret != (long)to)
		return err_set("process %d: mremap of the gate page failed (%ld)", p->pid, ret);
	return 0;
}

/* The gate page at AT (shared: the first; an alias of FIRST after), then
 * the copy of SIZE bytes after it; all with MAP_FIXED_NOREPLACE, so a
 * range a running thread took meanwhile is refused, never overwritten. */
static int map_at(struct proc *p, struct thread *t, uint64_t at, uint64_t size, uint64_t first)
{
	uint64_t got;
	int shared = first ? MAP_PRIVATE : MAP_SHARED;
	int prot = first ? PROT_NONE : PROT_READ | PROT_WRITE;
	if (remote_mmap(p, t, at, PAGE, prot, shared | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, &got) < 0)
		return -1;
	if (got != at) {
		remote_munmap(p, t, got, PAGE);
		return err_set("address 0x%" PRIx64 " taken", at);
	}
	if ((first && mremap_alias(p, t, first, at) < 0) ||
	    remote_mmap(p, t, at + PAGE, size, PROT_READ | PROT_EXEC,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, &got) < 0) {
		remote_munmap(p, t, at, PAGE);
		return -1;
	}
	if (got != at + PAGE) {
		remote_munmap(p, t, got, size);
		remote_munmap(p, t, at, PAGE);
		return err_set("address 0x%" PRIx64 " taken", at + PAGE);
	}
	return 0;
}

static int map_copy(struct split *sp, int g, struct proc *p, struct thread *t,
		    const struct maps *m, uint64_t size)
{
	for (unsigned skip = 0; skip < 16; skip++) {
		uint64_t want;
		if (maps_find_near(m, sp->lo[g], sp->hi[g], size + PAGE, skip, &want) < 0)
			return -1;
		/* copy 0, mapped since M was read, makes this fail: the next */
		if (map_at(p, t, want, size, g ? sp->gate[0] : 0) == 0) {
			sp->gate[g] = want;
			sp->mem[g] = want + PAGE;
			return 0;
		}
	}
	return err_set("no room for a copy of the patch within 2 GB of the objects at 0x%" PRIx64
		       " in process %d", sp->lo[g], p->pid);
}

int split_map(struct split *sp, struct proc *p, struct thread *t, const struct maps *m,
	      const uint64_t size[2])
{
	if (map_copy(sp, 0, p, t, m, size[0]) < 0)
		return -1;
	if (map_copy(sp, 1, p, t, m, size[1]) < 0) {
		remote_munmap(p, t, sp->gate[0], size[0] + PAGE);
		sp->mem[0] = sp->gate[0] = 0;
		return -1;
	}
	return 0;
}

void split_write_header(const struct split *sp, const struct image *copy1, uint8_t *header0)
{
	uint64_t fields[5] = { sp->mem[1], copy1->size, sp->mem[1] + copy1->code_size,
			       sp->gate[0], sp->gate[1] };
	memcpy(header0 + SPLIT_MEM1, fields, sizeof fields);
}

void split_unmap(struct split *sp, struct proc *p, struct thread *t, const uint64_t size[2])
{
	for (int g = 1; g >= 0; g--)
		if (sp->gate[g])
			remote_munmap(p, t, sp->gate[g], size[g] + PAGE);
	memset(sp->mem, 0, sizeof sp->mem);
	memset(sp->gate, 0, sizeof sp->gate);
}

int split_other_copy(struct proc *p, uint64_t mem, struct split_copy *out)
{
	uint64_t fields[5];
	if (mem_read(p, mem + SPLIT_MEM1, fields, sizeof fields) < 0)
		return -1;
	*out = (struct split_copy){ fields[0], fields[1], fields[2], fields[4] };
	return 0;
}

int split_free(struct proc *p, struct thread *t, uint64_t mem)
{
	uint64_t fields[5];
	if (mem_read(p, mem + SPLIT_MEM1, fields, sizeof fields) < 0)
		return -1;
	if (!fields[0])
		return 0;
	if (patch_unwind_deregister(p, t, fields[0]) < 0)
		return -1;
	remote_munmap(p, t, fields[4], fields[1] + PAGE);   /* gate alias and copy 1 */
	remote_munmap(p, t, fields[3], PAGE);               /* copy 0's gate page */
	return 0;
}
