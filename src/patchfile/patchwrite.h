/* Writing a patch file (docs/patch-format.md).
 *
 * A patch_writer collects sections, symbols, relocations and the suture
 * records in memory, then patch_write() lays them out as one ELF
 * relocatable file through libelf.  Symbols and sections are named by the
 * ids these calls return; final .symtab indices (locals first, as ELF
 * wants) are assigned only when writing, and the records get them then. */
#ifndef SUTURE_PATCHFILE_PATCHWRITE_H
#define SUTURE_PATCHFILE_PATCHWRITE_H

#include <stddef.h>
#include <stdint.h>

#define PW_UNDEF (-1)

struct patch_writer;

struct patch_writer *patch_writer_new(const char *patch_name);
void patch_writer_free(struct patch_writer *pw);

/* A section with its contents (data NULL for SHT_NOBITS: size bytes of
 * zeroes).  Returns its id. */
int pw_add_section(struct patch_writer *pw, const char *name, uint32_t type,
		   uint64_t flags, uint64_t align, uint64_t entsize,
		   const void *data, size_t size);
/* A symbol; section is a section id or PW_UNDEF.  Returns its id. */
int pw_add_symbol(struct patch_writer *pw, const char *name, int type, int bind,
		  int section, uint64_t value, uint64_t size);
/* The STT_SECTION symbol of a section (made once). */
int pw_section_symbol(struct patch_writer *pw, int section);
/* The section id a symbol is defined in (PW_UNDEF for undefined ones). */
int pw_symbol_section(struct patch_writer *pw, int symbol);
void pw_add_rela(struct patch_writer *pw, int section, uint64_t offset,
		 uint32_t type, int symbol, int64_t addend);

/* The suture records.  Names are copied into .suture.strings. */
uint32_t pw_add_object(struct patch_writer *pw, const char *name,
		       const uint8_t *build_id, size_t build_id_len);
void pw_add_func(struct patch_writer *pw, uint32_t object, const char *old_name,
		 const char *old_file, int new_symbol, uint64_t old_size,
		 const uint8_t *old_bytes, const uint8_t *old_mask, uint32_t flags);
void pw_add_symbol_record(struct patch_writer *pw, int symbol, uint32_t object,
			  const char *name, const char *file);
void pw_add_callback(struct patch_writer *pw, uint32_t kind, int symbol);

/* Writes the file (through a temporary file renamed into place, so a
 * failure leaves PATH as it was).  0, or -1 with err_set(). */
int patch_write(struct patch_writer *pw, const char *path);

#endif
