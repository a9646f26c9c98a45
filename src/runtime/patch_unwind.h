/* The patch's own code unwinds: its .eh_frame (laid out by the loader
 * with its relocations applied, the header saying where) is made known
 *   - to the process's own unwinder, libgcc's (_Unwind_*, so backtrace(),
 *     pthread_cancel and C++ exceptions work through patched functions):
 *     __register_frame() is called in the target when the patch is
 *     loaded, __deregister_frame() before its memory is freed;
 *   - to suture's unwinder (libdw): each patch is reported as a module
 *     whose CFI is that table, so a thread in patch code can be walked
 *     and checked like any other.
 * The calls into the target are made by the borrowed thread, like the
 * dynamic linker's own calls of IFUNC resolvers. */
#ifndef SUTURE_RUNTIME_PATCH_UNWIND_H
#define SUTURE_RUNTIME_PATCH_UNWIND_H

#include "runtime/loader.h"
#include "runtime/proc.h"
#include "runtime/state.h"
#include "runtime/unwind.h"

/* Registers the loaded image's .eh_frame with the process's libgcc
 * (loading libgcc_s.so.1 if the process has not yet: glibc would, at its
 * first backtrace() or pthread_cancel(); the gdb JIT library, loaded
 * first, does it as it is loaded), with stopped thread T.  Nothing to do
 * for a patch without one. */
int patch_unwind_register(struct proc *p, struct thread *t, struct image *im);
/* Undoes that for the patch memory at MEM, if it was registered; before
 * the memory is unmapped. */
int patch_unwind_deregister(struct proc *p, struct thread *t, uint64_t mem);
/* After patch_unwind_deregister of a refused apply: closes the libgcc_s
 * that patch_unwind_register loaded, if it did (the process had none:
 * glibc unloads it again unless the program opened it meanwhile). */
void patch_unwind_unload(struct proc *p, struct thread *t, struct image *im);
/* Reports every patch of ST that has memory to U, with its CFI. */
void patch_unwind_report(struct unwinder *u, struct proc *p, const struct state *st);

#endif
