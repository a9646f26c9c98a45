/* Laying a patch out for one process and relocating it.
 *
 * The patch's memory, one mapping placed within ±2 GB of the target
 * object so that rel32 jumps and PC-relative references reach both ways
 * (for objects too far apart, one copy near each: split.h):
 *
 *   [ header: gate byte | slots | stubs | GOT | code | read-only data ]  r-x
 *   [ writable data and bss ]                                            rw-
 *
 * Undefined symbols are resolved in the process (symbols.c); a call that
 * cannot reach its target with rel32 goes through a stub `jmp *GOT(%rip)`;
 * GOTPCREL references use a GOT entry in the patch memory. */
#ifndef SUTURE_RUNTIME_LOADER_H
#define SUTURE_RUNTIME_LOADER_H

#include "patchfile/patchread.h"
#include "runtime/maps.h"
#include "runtime/proc.h"
#include "runtime/symbols.h"

#include <stdbool.h>
#include <stdint.h>

#define SLOT_SIZE 64
#define HEADER_SIZE 64
/* In the header, for any later suture (patch_unwind.h): where the patch's
 * .eh_frame lies (u32 offset from the start, u32 size; 0: none), and the
 * __deregister_frame of the process's libgcc it was registered with (u64,
 * 0: not registered). */
#define HEADER_EH_FRAME 48
#define HEADER_EH_REGISTERED 56

struct image_sym {
	bool referenced;
	bool resolved;
	bool ifunc;             /* addr is a resolver: call it in the process */
	bool tls;               /* value is a thread-pointer offset */
	int type;               /* undefined: STT_* of its definition in the process */
	bool shadow_root;       /* __suture_shadow_root: bound once the state exists */
	uint64_t value;
	bool foreign;           /* a symbol of a target object another copy serves (split.h) */
};

struct image {
	/* inputs */
	struct patch_file *pf;
	const struct object **bound;   /* patch object index -> process object */
	const struct object *objs;     /* every object of the process */
	size_t nobjs;
	size_t nslots;
	/* layout (offsets from base) */
	size_t nsecs;
	uint64_t *sec_off;             /* per ELF section index; UINT64_MAX = not loaded */
	uint64_t slots_off, stubs_off, got_off;
	uint64_t xstubs_off;           /* rerouted data references (extern_data.h) */
	size_t nxstubs, xstubs_used;
	uint64_t code_size;            /* page-rounded r-x part */
	uint64_t size;                 /* whole mapping */
	bool has_data;
	uint64_t eh_frame_off, eh_frame_size;  /* every .eh_frame, then 4 zero bytes */
	bool pinned;                   /* a callback still runs in it: never unmap */
	uint64_t libgcc_loaded;        /* dlopen handle of the libgcc_s this apply loaded, or 0 */
	/* symbols, per .symtab index */
	struct image_sym *syms;
	size_t nsyms;
	/* a patch whose target objects are too far apart for one mapping has
	 * one copy of its image near each group of them (split.h): bit i set
	 * when this copy runs the code of patch object i; 0: one copy, all */
	unsigned long serves;
	/* placed */
	uint64_t base;
	uint8_t *bytes;
};

/* Lays out the sections and resolves every referenced symbol; refuses
 * what cannot be loaded, naming it.  Changes nothing in the process. */
int image_prepare(struct image *im, struct proc *p);
/* Runs the IFUNC resolvers of the symbols that need one (stopped thread T). */
int image_resolve_ifuncs(struct image *im, struct proc *p, struct thread *t);
/* Applies relocations for BASE into im->bytes. */
int image_relocate(struct image *im, uint64_t base);
/* Address of the new version of a patch symbol. */
uint64_t image_symbol_addr(const struct image *im, uint32_t symndx);
uint64_t image_slot_addr(const struct image *im, size_t i);
/* Calls FN with each relocation of the loaded sections (of section SEC
 * only, when SEC is not 0) and the section it applies to; stops at the
 * first non-zero value FN returns, and returns it (0 when none did). */
int image_for_each_rela(const struct image *im, size_t sec,
			int (*fn)(const struct image *im, size_t target, const GElf_Rela *rela, void *arg),
			void *arg);
/* Can the code of symbol SYMNDX run in this copy: does nothing it reaches
 * through the patch's own sections refer to an object another copy serves
 * (split.h)?  Always true for a patch in one copy. */
bool image_runs_here(const struct image *im, uint32_t symndx);
void image_free(struct image *im);

#endif
