/* Finding symbols of the running process: the target object's own
 * (static ones included, told apart by their STT_FILE), and the exported
 * ones of every loaded object in the dynamic linker's order. */
#ifndef SUTURE_RUNTIME_SYMBOLS_H
#define SUTURE_RUNTIME_SYMBOLS_H

#include "runtime/maps.h"
#include "runtime/proc.h"

#include <gelf.h>

struct resolved {
	uint64_t addr;          /* run-time address; for STT_TLS the offset in the TLS segment */
	uint64_t size;
	int type;               /* STT_* */
	const struct object *obj;
};

/* NAME in OBJ's .symtab (or .dynsym when stripped).  FILE, when not NULL
 * or empty, picks the local symbol that follows STT_FILE FILE.  Returns 1
 * when found, 0 when not, -1 with an error when ambiguous. */
int sym_in_object(const struct object *obj, const char *name, const char *file, struct resolved *out);

/* NAME as the dynamic linker would bind it: the first object in the
 * global scope (the link_map list, or the maps order) exporting it.
 * Returns 1/0/-1 like sym_in_object. */
int sym_global(struct proc *p, const struct object *objs, size_t nobjs, const char *name,
	       struct resolved *out);

/* The thread-pointer offset of a TLS symbol of the executable. */
int sym_tls_offset(const struct resolved *r, int64_t *tpoff);

#endif
