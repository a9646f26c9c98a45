/* What the code of a build says: which functions exist under which final
 * names, and which function's code refers to which (calls, tail calls,
 * address-taking).  GCC's dumps name clones but not their callers; the
 * code does. */
#ifndef SUTURE_IMPACT_CODE_H
#define SUTURE_IMPACT_CODE_H

#include "elf/elffile.h"
#include "impact/graph.h"

/* Adds EF's function symbols and the references between them to G: from
 * relocations in an object, by disassembly (capstone) in an executable or
 * shared library.  Returns 0 or -1 with err_set(). */
int code_add_file(struct graph *g, struct elf_file *ef);

/* Once every file is read: ties the final symbols GCC's dumps do not name
 * to their originals (simd clones "_ZGVbN4v_f" of f, the default version
 * "f.default" of a target_clones function f). */
void code_link_names(struct graph *g);

#endif
