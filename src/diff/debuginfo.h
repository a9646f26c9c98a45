/* The DWARF of an object, relocated by libdwfl (libdw alone does not apply
 * the relocations of a relocatable object's debug sections).  Made on
 * first use, kept for the two objects of one diff. */
#ifndef SUTURE_DIFF_DEBUGINFO_H
#define SUTURE_DIFF_DEBUGINFO_H

#include "diff/object.h"

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

struct debuginfo {
	const struct dobj *obj;
	Dwfl *dwfl;
	Dwfl_Module *mod;
	Elf *elf;       /* libdwfl's copy, with section addresses assigned */
	GElf_Addr bias;
	char *image;    /* libdwfl's copy of an archive member, or NULL */
};

/* The debug information of O, or NULL when it has none. */
struct debuginfo *debuginfo_of(const struct dobj *o);
/* The address libdwfl gave byte OFFSET of section SHNDX. */
bool debuginfo_address(struct debuginfo *di, size_t shndx, uint64_t offset, Dwarf_Addr *addr);

#endif
