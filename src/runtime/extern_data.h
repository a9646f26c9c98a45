/* Reaching another object's data from a patch that cannot reach it
 * PC-relatively.
 *
 * GCC's PIE code reads an extern variable as `mov stderr(%rip), %rdi` or
 * takes its address as `lea environ(%rip), %rax`: a rel32 it expects the
 * linker to point at a copy relocation in the executable.  A program that
 * never used `stderr` has no such copy, and the variable itself lies in
 * libc, usually more than 2 GB away from the patch.  Writing the truncated
 * distance would make the patch read wild memory; instead the loader
 * reroutes the instruction through an 8-byte cell in the patch's memory
 * holding the variable's address:
 *
 *   lea  var+A(%rip), %reg  ->  mov  cell(%rip), %reg      (same length)
 *   mov  var+A(%rip), %reg  ->  jmp  stub; nop...
 *                     stub:     mov  cell(%rip), %reg64
 *                               mov  (%reg64), %reg
 *                               jmp  back
 *
 * Any other instruction (a store, an arithmetic operand, an SSE load) is
 * refused with the variable's name and the way out, before the process is
 * changed. */
#ifndef SUTURE_RUNTIME_EXTERN_DATA_H
#define SUTURE_RUNTIME_EXTERN_DATA_H

#include "runtime/loader.h"

/* What a user can do about a reference that cannot be rerouted. */
#define EXTERN_DATA_WAY_OUT "use it through a pointer the program already has, or compile the " \
	"patched code with -mno-direct-extern-access (GCC 12) or -fPIC"

/* Bytes of patch memory one rerouted reference uses (cell and stub). */
#define EXTERN_STUB_SIZE 32

/* How many rerouted references the patch might need: one per PC32
 * relocation, in a loaded section, to a symbol it does not define. */
size_t extern_data_stub_count(const struct image *im);

/* Reroutes the PC-relative reference of RELA in loaded section SEC (whose
 * header is SH) to the data at S + A + (end of instruction - P), SNAME
 * naming it in messages.  -1 with err_set() when the instruction is not
 * one of the two above. */
int extern_data_reroute(struct image *im, size_t sec, const GElf_Shdr *sh,
			const GElf_Rela *rela, uint64_t S, const char *sname);

/* Can the PC-relative reference whose 4 bytes lie at OFFSET of CODE (SIZE
 * bytes of a code section, not yet relocated) be rerouted?  1 if so; 0
 * if not, with WHAT (WHAT_SIZE bytes) saying what the instruction is (its
 * mnemonic); -1 with err_set() when capstone fails.  suture build asks it
 * to refuse such a patch when it is made. */
int extern_data_reroutable(const uint8_t *code, size_t size, uint64_t offset, char *what,
			   size_t what_size);

#endif
