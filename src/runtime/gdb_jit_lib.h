/* The library holding GDB's JIT descriptor (src/gdbjit/), in a target
 * process: where it is on disk, finding it among the process's objects,
 * loading it with the process's own dlopen(), and unloading it when no
 * patch is left in its list. */
#ifndef SUTURE_RUNTIME_GDB_JIT_LIB_H
#define SUTURE_RUNTIME_GDB_JIT_LIB_H

#include "runtime/maps.h"
#include "runtime/proc.h"

#include <limits.h>

#define JIT_LIB_NAME "libsuture-gdbjit.so"

struct jit_lib {
	uint64_t descriptor;      /* &__jit_debug_descriptor in the process (the library also
				   has __jit_debug_register_code(), which gdb needs) */
	uint64_t opened;          /* dlopen handle, when this apply loaded it; else 0 */
	uint64_t libgcc;          /* &suture_libgcc (gdbjit/jit_abi.h), 0 in an older library */
};

/* The library's file, as the process sees it (a build tree's, when the
 * running suture is one, else the installed one), root-owned and
 * writable by no one else: the process will run it.  -1 with an error. */
int jit_lib_path(pid_t pid, char path[PATH_MAX]);
/* The library among OBJS: 1 found (*LIB filled), 0 not. */
int jit_lib_find(const struct object *objs, size_t nobjs, struct jit_lib *lib);
/* The library in the process: found among OBJS, or loaded there by
 * dlopen() of the path at PATH_ADDR (in the process, followed by the two
 * symbol names: jit_lib_strings() wrote them), with stopped thread T. */
int jit_lib_load(struct proc *p, struct thread *t, const struct object *objs, size_t nobjs,
		 uint64_t path_addr, struct jit_lib *lib);
/* The strings jit_lib_load needs at PATH_ADDR: PATH and the names; *LEN bytes, malloc'ed. */
char *jit_lib_strings(const char *path, size_t *len);
/* dlclose()s the library loaded from the path at PATH_ADDR for good
 * (its list is empty): dlopen(RTLD_NOLOAD) gives the handle, one
 * reference more, so two dlclose(). */
int jit_lib_unload(struct proc *p, struct thread *t, const struct object *objs, size_t nobjs,
		   uint64_t path_addr);
/* dlclose(HANDLE), after an apply that loaded it failed. */
void jit_lib_close(struct proc *p, struct thread *t, const struct object *objs, size_t nobjs,
		   uint64_t handle);

#endif
