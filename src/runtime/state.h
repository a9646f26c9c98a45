/* The record of a process's patches, kept inside the process.
 *
 * A private mapping of a memfd named "suture-state" (so /proc/PID/maps
 * shows /memfd:suture-state, and a fork() gives the child its own copy),
 * written only by suture through /proc/PID/mem.  Records are appended and
 * never moved; every change that matters is one aligned 4- or 8-byte
 * write, so the record is never torn, whenever suture is stopped.  Where
 * the record says a patch is "applying" or "reverting", the patch's gate
 * byte tells which code the process runs (see redirect.h). */
#ifndef SUTURE_RUNTIME_STATE_H
#define SUTURE_RUNTIME_STATE_H

#include "runtime/proc.h"

#include <stdint.h>

#define STATE_NAME "suture-state"
#define STATE_MAGIC "SUTUREST"
#define STATE_VERSION 1
#define STATE_SIZE (1u << 20)
/* The last page is not the record's: the shadow-variable table (shadow.h),
 * written by patch code only. */
#define STATE_SHADOW_ROOT (STATE_SIZE - 4096u)

enum patch_state {
	PS_LOADED = 1,     /* code in memory, nothing redirected yet */
	PS_APPLYING = 2,   /* switching to the new code (gate decides) */
	PS_APPLIED = 3,
	PS_REVERTING = 4,  /* switching back (gate decides) */
	PS_REVERTED = 5,   /* gone: its memory is freed or being freed */
	PS_REPLACED = 6,   /* superseded by a --replace patch */
};

enum consistency { CM_THREAD = 1, CM_STOP = 2, CM_NONE = 3 };

struct state_header {
	char magic[8];
	uint32_t version;
	uint32_t n_patches;     /* records in use; bumped after a record is complete */
	uint64_t used;          /* bytes in use, header included */
	uint64_t next_seq;
	uint64_t reserved[4];
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
	uint64_t reserved[1];
};

struct state_func {
	char name[64];
	uint64_t old_addr, old_size;
	uint64_t pad;           /* the 5-byte entry padding (0 for a part like f.cold) */
	uint8_t orig_pad[8];    /* its bytes before any patch */
	uint64_t new_addr, new_size;  /* 0: this patch restores the original */
	uint64_t target;        /* where callers go once applied */
	uint64_t slot;
	uint32_t flags;
	uint32_t reserved;
};

/* A patch as read back, with the address of its record in the process. */
struct state_entry {
	uint64_t addr;          /* of its struct state_patch */
	struct state_patch patch;
	struct state_func *funcs;
};

struct state {
	uint64_t base;          /* 0: the process has no state mapping */
	uint64_t size;          /* of the mapping */
	struct state_header header;
	struct state_entry *entries;
	size_t n;
};

/* Reads the state of P (no stop needed); base 0 when it has none. */
int state_read(struct proc *p, struct state *st);
/* Reads ST's state again; where a mapping was found, from the same
 * address without listing the maps (the mapping never moves), so the
 * thread stopped meanwhile waits less. */
int state_reread(struct proc *p, struct state *st);
void state_free(struct state *st);
/* Creates the mapping (through remote syscalls in stopped thread T). */
int state_create(struct proc *p, struct thread *t, struct state *st);
/* Appends a complete patch record; on return e->addr says where it is. */
int state_append(struct proc *p, struct state *st, struct state_entry *e);
/* One atomic write of a patch's state field. */
int state_set(struct proc *p, struct state_entry *e, enum patch_state s);
int state_set_replaced_by(struct proc *p, struct state_entry *e, uint64_t seq);

const char *patch_state_name(uint32_t s);
const char *consistency_name(uint32_t m);

#endif
