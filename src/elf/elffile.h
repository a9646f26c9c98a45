/* The one thin layer over libelf that every ELF reader in suture shares.
 *
 * An elf_file is an ELF64 x86-64 file opened read-only (objects,
 * executables, shared libraries, patch files).  It caches the section
 * header string table and the symbol table so callers can ask by name.
 * Anything richer (relocation walking for diff, build-id lookup for the
 * runtime) is built on these calls, not on raw libelf. */
#ifndef SUTURE_ELF_ELFFILE_H
#define SUTURE_ELF_ELFFILE_H

#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_file {
	char *path;
	char *image;         /* the file's bytes, owned (elf_file_open), or NULL */
	size_t image_size;
	Elf *elf;
	GElf_Ehdr ehdr;
	size_t shstrndx;
	Elf_Scn *symtab;     /* .symtab, or NULL */
	Elf_Data *symdata;   /* its data */
	size_t nsyms;
	size_t symstrndx;    /* section index of its string table */
};

/* Open PATH; on failure err_set() with a message naming the file and
 * returns NULL.  Refuses anything but ELF64 little-endian x86-64. */
struct elf_file *elf_file_open(const char *path);
/* Same, for ELF bytes already in memory (kept alive by the caller). */
struct elf_file *elf_file_open_memory(const char *name, void *image, size_t size);
void elf_file_close(struct elf_file *ef);

/* Section lookup and contents. */
Elf_Scn *elf_file_section(struct elf_file *ef, const char *name);
const char *elf_file_section_name(struct elf_file *ef, Elf_Scn *scn);
bool elf_file_shdr(Elf_Scn *scn, GElf_Shdr *shdr);
/* Whole data of a section (NULL for SHT_NOBITS or errors). */
Elf_Data *elf_file_data(Elf_Scn *scn);

/* Symbols of .symtab by index (false when out of range). */
bool elf_file_symbol(struct elf_file *ef, size_t index, GElf_Sym *sym);
const char *elf_file_symbol_name(struct elf_file *ef, const GElf_Sym *sym);

/* The GNU build-id note, copied into out (at most outsize bytes); returns
 * its length, 0 when the file has none. */
size_t elf_file_build_id(struct elf_file *ef, uint8_t *out, size_t outsize);
/* Hex form of a build-id, in a buffer of at least 2*len+1 bytes. */
void build_id_to_hex(const uint8_t *id, size_t len, char *hex);

#endif
