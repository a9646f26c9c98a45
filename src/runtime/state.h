/* The record of a process's patches, kept inside the process.
 *
 * A private mapping of a memfd named "suture-state" (so /proc/PID/maps
 * shows /memfd:suture-state, and a fork() gives the child its own copy),
 * written only by suture through /proc/PID/mem.  Its layout:
 *
 *   header    magic, version, the thread-pointer offset of the per-thread
 *             universe byte, which of the two image halves is current
 *   threads   the per-thread universes of the transition in progress
 *             (state_univ.c)
 *   half 0    an image: its own header (length, generation, checksum),
 *   half 1    then every live patch record and its functions
 *
 * A change writes a whole new image into the half that is not current,
 * then flips `active` (one aligned 4-byte write).  So the record is never
 * torn: a reader sees the old image or the new one, and one that raced a
 * second change sees a checksum that does not match and reads again.
 * Reverted and replaced patches are simply left out of the next image, so
 * the record never grows: a process can be patched and reverted without
 * limit.  A record that fails its checks (magic, version, bounds,
 * checksum) is reported as damaged, never guessed at. */
#ifndef SUTURE_RUNTIME_STATE_H
#define SUTURE_RUNTIME_STATE_H

#include "runtime/proc.h"

#include <stdint.h>

#define STATE_NAME "suture-state"
#define STATE_MAGIC "SUTUREST"
#define STATE_VERSION 2
#define STATE_SIZE (1u << 20)
/* The last page is not the record's: the shadow-variable table (shadow.h),
 * written by patch code only. */
#define STATE_SHADOW_ROOT (STATE_SIZE - 4096u)
#define STATE_THREADS_OFF 4096u
#define STATE_THREADS_MAX 8190u
#define STATE_HALF_OFF (STATE_THREADS_OFF + 16u + 8u * STATE_THREADS_MAX + 16u)
#define STATE_HALF_SIZE ((STATE_SHADOW_ROOT - STATE_HALF_OFF) / 2u)

enum patch_state {
	PS_LOADED = 1,     /* code in memory, nothing redirected yet */
	PS_APPLYING = 2,   /* switching to the new code (gate decides) */
	PS_APPLIED = 3,
	PS_REVERTING = 4,  /* switching back (gate decides) */
	PS_REVERTED = 5,   /* gone: its memory is freed or being freed */
	PS_REPLACED = 6,   /* superseded by a --replace patch */
};

enum consistency { CM_THREAD = 1, CM_STOP = 2, CM_NONE = 3 };

/* state_patch.flags */
#define SP_UNSAFE 1u       /* --force switched threads that were not checked clean */

struct state_header {
	char magic[8];
	uint32_t version;
	uint32_t active;        /* the current image: half 0 or 1 */
	uint32_t univ_offset;   /* %fs offset of the per-thread universe byte */
	uint32_t reserved0;
	uint64_t reserved[5];
};

/* At the start of each half. */
struct state_image {
	char magic[8];          /* "SUTIMAGE" */
	uint64_t generation;    /* bumped by every change */
	uint64_t used;          /* bytes of this image, this header included */
	uint64_t checksum;      /* FNV-1a 64 of the image with this field 0 */
	uint64_t next_seq;
	uint32_t n_patches;
	uint32_t reserved;
};

struct state_patch {
	char name[128];
	char object[256];       /* target object path, as the process maps it */
	uint8_t build_id[64];
	uint32_t build_id_len;
	uint32_t state;         /* enum patch_state */
	uint32_t model;         /* enum consistency */
	uint32_t n_funcs;
	uint64_t seq;           /* order of application */
	uint64_t mem, mem_size; /* the patch's memory */
	uint64_t code_end;      /* [mem, code_end): its code, slots and stubs */
	uint64_t gate;          /* address of the gate byte */
	uint64_t applied_at;    /* unix time */
	uint64_t replaced_by;   /* seq of the --replace patch, or 0 */
	uint64_t pre_unpatch;   /* callbacks revert runs (addresses), or 0 */
	uint64_t post_unpatch;
	uint32_t flags;         /* SP_* */
	uint32_t reserved;
};

struct state_func {
	char name[64];
	uint64_t old_addr, old_size;
	uint64_t pad;           /* the 5-byte entry padding, or the room form's entry
				 * past endbr64 (0 for a part like f.cold) */
	uint8_t orig_pad[8];    /* its bytes before any patch */
	uint64_t new_addr, new_size;  /* 0: this patch restores the original */
	uint64_t target;        /* where callers go once applied */
	uint64_t slot;
	uint32_t flags;
	uint32_t displaced;     /* room form: the bytes of whole instructions at pad
				 * that the redirection replaces; 0: NOP form */
	uint64_t room;          /* room form: the room's first byte */
	uint64_t stub;          /* room form: this patch's copy of the displaced code */
	uint8_t orig_room[8];   /* room form: the room's first bytes before any patch */
};

/* A patch as read back. */
struct state_entry {
	struct state_patch patch;
	struct state_func *funcs;
};

/* One thread of a transition: its universe (0 old, 1 new).  One aligned
 * 8-byte write each. */
struct state_thread {
	int32_t tid;
	uint8_t universe;
	uint8_t reserved[3];
};

/* The transition in progress, if any (seq 0: none). */
struct state_threads {
	uint64_t seq;           /* the patch in transition */
	uint32_t n;
	uint32_t target;        /* the universe threads switch to */
	struct state_thread *t;
};

struct state {
	uint64_t base;          /* 0: the process has no state mapping */
	uint64_t size;          /* of the mapping */
	struct state_header header;
	struct state_image image;
	struct state_entry *entries;
	size_t n;
	struct state_threads threads;
	bool damaged;           /* state_read failed: the record fails its checks */
	bool other_version;     /* state_read failed: another suture's record */
};

/* Reads the state of P (no stop needed); base 0 when it has none.  A
 * damaged record is an error that says so and what to do. */
int state_read(struct proc *p, struct state *st);
/* Reads ST's state again; where a mapping was found, from the same
 * address without listing the maps (the mapping never moves), so the
 * thread stopped meanwhile waits less. */
int state_reread(struct proc *p, struct state *st);
void state_free(struct state *st);
/* Makes the record (state_create.c), with thread T: in the mapping ST
 * found with nothing written yet (a suture killed as it made it), else
 * in a new one. */
int state_create(struct proc *p, struct thread *t, struct state *st);
/* Appends a complete patch record (seq and time filled in) and writes
 * the new image; returns the record as kept in ST (valid until the next
 * append), or NULL. */
struct state_entry *state_append(struct proc *p, struct state *st, const struct state_entry *e);
/* Changes a patch's state and writes the new image.  PS_REVERTED and
 * PS_REPLACED records without memory are left out of it (reclaimed). */
int state_set(struct proc *p, struct state *st, struct state_entry *e, enum patch_state s);
/* Writes ST's entries as the new image (after changing fields). */
int state_commit(struct proc *p, struct state *st);
/* Removes E from ST and writes the new image: an apply that did not
 * happen leaves no trace. */
int state_drop(struct proc *p, struct state *st, struct state_entry *e);

/* The per-thread universes of a transition (state_univ.c). */
int state_threads_begin(struct proc *p, struct state *st, uint64_t seq, uint8_t target);
int state_thread_set(struct proc *p, struct state *st, pid_t tid, uint8_t universe);
/* The N threads TIDS, all in UNIVERSE, in one write. */
int state_threads_fill(struct proc *p, struct state *st, const pid_t *tids, uint32_t n, uint8_t universe);
int state_threads_end(struct proc *p, struct state *st);
int state_threads_read(struct proc *p, struct state *st);

const char *patch_state_name(uint32_t s);
const char *consistency_name(uint32_t m);

#endif
