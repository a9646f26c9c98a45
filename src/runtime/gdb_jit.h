/* gdb knows the patch's code: GDB's JIT compilation interface.
 *
 * For every loaded patch, an ELF object naming its functions at their
 * run-time addresses, with its .eh_frame (gdb_jit_symfile.h), is written
 * into the process and linked into the list of __jit_debug_descriptor,
 * which the small library src/gdbjit/ defines (loaded once with the
 * process's dlopen(), as libgcc_s is for the process's unwinder).  gdb
 * reads the list when it attaches (none can be attached while suture
 * works: ptrace has one tracer, so __jit_debug_register_code(), where an
 * attached gdb would hear of a change, is not called).  So `gdb -p PID` backtraces
 * through patched functions, and `info symbol` names them.
 *
 * Each entry lives in a mapping of its own:
 *   [ jit_code_entry | patch memory | magic | mapping size | path offset | ELF | library path, names ]
 * linked only once complete, unlinked before it is unmapped: a suture
 * that dies midway leaks at worst a mapping, never a dangling entry.
 *
 * gdb is a help, not a condition: where this fails (the library is not
 * installed, the process cannot dlopen()), the patch is applied anyway,
 * with a warning (common/warning.h). */
#ifndef SUTURE_RUNTIME_GDB_JIT_H
#define SUTURE_RUNTIME_GDB_JIT_H

#include "runtime/gdb_jit_lib.h"
#include "runtime/loader.h"
#include "runtime/proc.h"

/* Registers the loaded image IM (its memory written, relocated) with
 * stopped thread T.  *LIB: the library in the process (its descriptor
 * 0 when it is not there). */
void gdb_jit_register(struct proc *p, struct thread *t, const struct image *im, struct jit_lib *lib);
/* Unregisters the patch whose memory is at MEM, if it was registered,
 * before that memory is unmapped; unloads the library when its list is
 * empty again. */
void gdb_jit_unregister(struct proc *p, struct thread *t, uint64_t mem);

#endif
