/* Reading a patch file, with the whole validation of
 * docs/patch-format.md done before anything is handed out: a patch_file
 * that opened is safe to index with the counts of its header. */
#ifndef SUTURE_PATCHFILE_PATCHREAD_H
#define SUTURE_PATCHFILE_PATCHREAD_H

#include "elf/elffile.h"
#include "patchfile/format.h"
#include "trust/trailer.h"

#include <stddef.h>

struct patch_file {
	struct elf_file *ef;
	uint8_t *bytes;                  /* the whole file, read once (owned) */
	size_t image_len;                /* the ELF image: the bytes before the trailer */
	struct suture_trailer trailer;   /* checksum and signature (trust/trailer.h) */
	const struct suture_patch_header *header;
	const struct suture_patch_object *objects;
	const struct suture_patch_func *funcs;
	const struct suture_patch_symbol *symbols;
	const struct suture_patch_callback *callbacks;
	const uint8_t *oldcode;
	size_t oldcode_size;
	const char *strings;
	size_t strings_size;
};

/* Opens and validates PATH; NULL with err_set() naming the file and the
 * failed check. */
struct patch_file *patch_file_open(const char *path);
void patch_file_close(struct patch_file *pf);

/* A string of .suture.strings (validated: always NUL-terminated). */
const char *patch_string(const struct patch_file *pf, uint32_t offset);
/* The name of .symtab entry INDEX ("" when it has none). */
const char *patch_symbol_name(const struct patch_file *pf, uint32_t index);
/* Its value and size, for the defined new functions. */
bool patch_symbol(const struct patch_file *pf, uint32_t index, GElf_Sym *sym);
const char *patch_callback_kind_name(uint32_t kind);

#endif
