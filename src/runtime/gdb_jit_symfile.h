/* The in-memory ELF object that tells gdb about one patch (GDB's JIT
 * interface, gdb_jit.h): the patch's functions as symbols at their
 * run-time addresses, its code as a section without contents (gdb reads
 * the code from the process), and its .eh_frame with the bytes and the
 * address it has in the process, so gdb unwinds through it. */
#ifndef SUTURE_RUNTIME_GDB_JIT_SYMFILE_H
#define SUTURE_RUNTIME_GDB_JIT_SYMFILE_H

#include <stddef.h>
#include <stdint.h>

struct jit_func {
	const char *name;
	uint64_t addr, size;
};

struct jit_symfile {
	uint64_t text_addr, text_size;      /* the patch's code (and read-only data) */
	uint64_t eh_addr;                   /* where eh_bytes lie in the process */
	const uint8_t *eh_bytes;            /* NULL: no unwind table */
	size_t eh_size;
	const struct jit_func *funcs;
	size_t nfuncs;
};

/* The ELF file for SF, in *OUT (malloc'ed) of *LEN bytes. */
int jit_symfile_build(const struct jit_symfile *sf, uint8_t **out, size_t *len);

#endif
