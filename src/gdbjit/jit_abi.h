/* GDB's JIT compilation interface (GDB manual, "JIT Compilation
 * Interface"), the layout both sides share: the library suture loads into
 * a patched process defines the descriptor, and the runtime
 * (src/runtime/gdb_jit.c) writes entries into its list from outside.
 * The layout is GDB's, fixed since GDB 7.0: do not change it. */
#ifndef SUTURE_GDBJIT_JIT_ABI_H
#define SUTURE_GDBJIT_JIT_ABI_H

#include <stdint.h>

enum jit_actions {
	JIT_NOACTION = 0,
	JIT_REGISTER_FN,
	JIT_UNREGISTER_FN,
};

/* One in-memory ELF object gdb reads as if it were a loaded file. */
struct jit_code_entry {
	uint64_t next_entry;     /* struct jit_code_entry * */
	uint64_t prev_entry;
	uint64_t symfile_addr;   /* the ELF image */
	uint64_t symfile_size;
};

struct jit_descriptor {
	uint32_t version;        /* 1 */
	uint32_t action_flag;    /* enum jit_actions: what relevant_entry is for */
	uint64_t relevant_entry;
	uint64_t first_entry;
};

#define JIT_ENTRY_NEXT 0
#define JIT_ENTRY_PREV 8
#define JIT_DESC_ACTION 4
#define JIT_DESC_RELEVANT 8
#define JIT_DESC_FIRST 16

/* Besides gdb's interface, the library loads libgcc_s (when the process
 * has not) as it is loaded itself, for the patch's unwind tables
 * (runtime/patch_unwind.h): one dlopen() made by the process on a first
 * patch instead of two.  What it found, for suture to read. */
struct suture_libgcc {
	uint64_t loaded;             /* its dlopen() handle, when it loaded libgcc_s; else 0 */
	uint64_t register_frame;     /* __register_frame(), 0 if libgcc_s could not be loaded */
	uint64_t deregister_frame;
};
#define SUTURE_LIBGCC_NAME "suture_libgcc"
#define LIBGCC_SONAME "libgcc_s.so.1"

/* The two names gdb looks for in every object it loads. */
#define JIT_DESCRIPTOR_NAME "__jit_debug_descriptor"
#define JIT_REGISTER_NAME "__jit_debug_register_code"

#endif
