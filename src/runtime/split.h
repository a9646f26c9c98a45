/* A patch for target objects too far apart for one mapping: a program and
 * its own shared library, which a PIE program and the libraries' mmap area
 * put terabytes apart.
 *
 * Every jump between an object and the patch is rel32 (the entry to its
 * slot, the slot to the new code and back, the direct jump once switched),
 * so the patch's code for an object must lie within 2 GB of it.  Such a
 * patch is loaded as two copies of its image, one near each group of its
 * objects (each group within reach of one mapping); a copy runs the code
 * of its own group's objects only (the other functions it holds are never
 * entered, and their references to the other group's data are left 0).
 *
 * All slots of a patch read one gate byte, flipped by one write for the
 * whole patch; the slots of each copy must reach it with rel32 too.  So
 * the gate is a page of shared memory mapped twice, just before each copy:
 * one write at either address is seen at both.
 *
 *   [ gate page | copy 0: header, slots, code, data ]   near group 0
 *   [ gate page | copy 1: header, slots, code, data ]   near group 1
 *
 * The state record keeps copy 0 (mem, mem_size, code_end) and the gate
 * (copy 0's gate page); copy 0's header keeps the rest (SPLIT_*), for
 * revert, status and the unwinder. */
#ifndef SUTURE_RUNTIME_SPLIT_H
#define SUTURE_RUNTIME_SPLIT_H

#include "runtime/loader.h"
#include "runtime/maps.h"
#include "runtime/proc.h"

#include <stdbool.h>
#include <stdint.h>

/* In copy 0's header (u64 each): copy 1's memory (0: not split), its
 * size, the end of its code, and the two gate pages. */
#define SPLIT_MEM1 8
#define SPLIT_SIZE1 16
#define SPLIT_CODE_END1 24
#define SPLIT_GATE0 32
#define SPLIT_GATE1 40

struct split {
	bool on;
	unsigned long serves[2];   /* patch objects per copy (bits) */
	uint64_t lo[2], hi[2];     /* the extent of each group's objects */
	uint64_t mem[2];           /* each copy, its header first */
	uint64_t gate[2];          /* the gate page before each copy */
};

/* Groups the NBOUND objects BOUND of a patch: on stays false when one
 * mapping reaches them all.  -1 with err_set() when they lie in more than
 * two places. */
int split_plan(struct split *sp, const struct object *const *bound, uint32_t nbound);

/* Maps both copies (SIZE[i] bytes each, read-only code first) with their
 * gate pages, in the process's free ranges M, with stopped thread T.  0,
 * or -1 with err_set() and nothing left mapped. */
int split_map(struct split *sp, struct proc *p, struct thread *t, const struct maps *m,
	      const uint64_t size[2]);

/* Copy 0's header fields (HEADER0: its bytes, before they are written). */
void split_write_header(const struct split *sp, const struct image *copy1, uint8_t *header0);

/* What split_map mapped (an apply that failed before the switch). */
void split_unmap(struct split *sp, struct proc *p, struct thread *t, const uint64_t size[2]);

/* For the patch whose copy 0 is at MEM: frees copy 1 (after deregistering
 * its unwind information) and both gate pages; nothing when it is not
 * split.  Before MEM itself is unmapped.  0, or -1 with err_set(). */
int split_free(struct proc *p, struct thread *t, uint64_t mem);

/* Copy 1 of the patch whose copy 0 is at MEM, as its header records it
 * (mem 0 when the patch is not split). */
struct split_copy {
	uint64_t mem, size, code_end;
	uint64_t gate;             /* the gate page as copy 1's slots read it */
};
int split_other_copy(struct proc *p, uint64_t mem, struct split_copy *out);

#endif
