/* The layout of a patch file: no two of its parts share bytes.
 *
 * suture writes each section's bytes once, after the ELF header and apart
 * from the section header table.  A forged header can point a section at
 * another one's bytes (the new code at .symtab, or at the ELF header): every
 * other check holds, and the runtime would load those bytes as code.  A
 * patch whose sections overlap is refused. */
#ifndef SUTURE_PATCHFILE_LAYOUT_H
#define SUTURE_PATCHFILE_LAYOUT_H

#include "elf/elffile.h"

/* 0 when the ELF header, the section header table and every section with
 * bytes in the file lie apart; -1 with err_set() naming two that overlap. */
int layout_check(struct elf_file *ef);

#endif
