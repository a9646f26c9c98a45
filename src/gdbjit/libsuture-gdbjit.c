/* The library suture loads into a patched process so that gdb knows the
 * patch's code (docs/runtime.md, "gdb and patch code").  It holds the
 * two symbols of GDB's JIT interface; suture fills the descriptor's
 * list from outside, with the process stopped; a gdb that attaches reads
 * it, and would hear of later changes at __jit_debug_register_code()
 * (suture does not call it: no gdb can be attached while suture, a
 * tracer too, works).
 *
 * Its constructor also loads libgcc_s, where the process has not, for
 * the patch's unwind tables (jit_abi.h, struct suture_libgcc): the only
 * code here that runs. */
#include "jit_abi.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>

#define EXPORT __attribute__((visibility("default"), used))

EXPORT struct jit_descriptor __jit_debug_descriptor = { 1, JIT_NOACTION, 0, 0 };

EXPORT struct suture_libgcc suture_libgcc;

/* A libgcc_s already there is used as it is (the reference RTLD_NOLOAD
 * took is given back at once); else it is loaded, and stays loaded when
 * this library goes: patches' tables may be registered in it.  suture
 * closes the handle only to undo a refused apply. */
__attribute__((constructor)) static void load_libgcc(void)
{
	void *loaded = NULL, *handle = dlopen(LIBGCC_SONAME, RTLD_NOW | RTLD_NOLOAD);
	if (handle)
		dlclose(handle);
	else
		handle = loaded = dlopen(LIBGCC_SONAME, RTLD_NOW);
	void *reg = handle ? dlsym(handle, "__register_frame") : NULL;
	void *dereg = handle ? dlsym(handle, "__deregister_frame") : NULL;
	if (!reg || !dereg) {
		if (loaded)
			dlclose(loaded);
		return;
	}
	suture_libgcc = (struct suture_libgcc){ (uint64_t)(uintptr_t)loaded, (uint64_t)(uintptr_t)reg,
						(uint64_t)(uintptr_t)dereg };
}

/* gdb breaks here; the body must stay (noinline, and not folded away). */
EXPORT __attribute__((noinline, noipa)) void __jit_debug_register_code(void)
{
	__asm__ volatile("" ::: "memory");
}
