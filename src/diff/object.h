/* One relocatable object as suture diff sees it: its sections with their
 * relocations, and its symbols, each local symbol with the STT_FILE of its
 * unit.  Loaded once through the shared ELF layer; everything else in
 * src/diff works on these arrays. */
#ifndef SUTURE_DIFF_OBJECT_H
#define SUTURE_DIFF_OBJECT_H

#include "padding/padding.h"
#include "elf/elffile.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dobj_rela {
	uint64_t offset;
	uint32_t type;
	uint32_t sym;
	int64_t addend;
};

struct dobj_section {
	const char *name;
	GElf_Shdr sh;
	const uint8_t *data;          /* NULL for SHT_NOBITS */
	struct dobj_rela *relas;      /* sorted by offset */
	size_t nrelas;
	uint32_t *syms;               /* FUNC/OBJECT symbols defined here, by value */
	size_t nsyms;
	bool is_code;                 /* SHF_EXECINSTR */
	bool is_strings;              /* SHF_MERGE|SHF_STRINGS */
};

enum dsym_kind { DSYM_OTHER, DSYM_FUNC, DSYM_DATA };

struct dobj_symbol {
	const char *name;
	GElf_Sym sym;
	int type, bind;
	enum dsym_kind kind;
	const char *file;             /* STT_FILE name for a local symbol, else NULL */
	const char *key;              /* name with gcc's clone numbers replaced by '#' */
	bool is_part;                 /* f.cold: split off from another function */
	int twin;                     /* the same thing in the other object, or -1 */
	int state;                    /* enum diff_state (diff.h), for FUNC/DATA */
	unsigned reasons;             /* DIFF_R_* bits */
	const char *detail;           /* one line saying what differs, or NULL */
	int owner;                    /* data: first function that refers to it, or -1 */
	bool is_ctor;                 /* referred to from .init_array/.ctors */
	bool code_attached;           /* data that holds code addresses (labels) */
	bool const_local;             /* static read-only data: a changed one is
	                                 copied, and its readers are patched */
};

struct dobj {
	struct elf_file *ef;
	const char *path;
	struct dobj_section *secs;    /* by section index */
	size_t nsecs;
	struct dobj_symbol *syms;     /* by .symtab index */
	size_t nsyms;
	size_t nfiles;                /* STT_FILE symbols: more than one after ld -r */
	const char *units;            /* .suture.units text, or NULL */
	size_t units_size;
};

/* Loads PATH; NULL with err_set() when it is not an x86-64 relocatable
 * object with a symbol table. */
struct dobj *dobj_open(const char *path);
void dobj_close(struct dobj *o);

/* The FUNC/OBJECT symbol of section SEC that covers OFFSET, or -1. */
int dobj_symbol_at(const struct dobj *o, size_t sec, uint64_t offset);
/* The bytes of a defined symbol (NULL for .bss and the like). */
const uint8_t *dobj_symbol_bytes(const struct dobj *o, const struct dobj_symbol *s);
/* The entry padding of function S (padding/padding.h): PADDING_NONE when
 * it has none or its bytes are not in the object. */
enum padding_form dobj_symbol_padding(const struct dobj *o, const struct dobj_symbol *s,
				      struct padding *out);
/* The relocations of section SEC in [start, end): index of the first one
 * and their number. */
size_t dobj_relas_in(const struct dobj *o, size_t sec, uint64_t start, uint64_t end,
		     size_t *count);
/* Number of bytes a relocation of TYPE writes (0 for those writing none). */
unsigned rela_width(uint32_t type);
bool rela_is_pc_relative(uint32_t type);
/* Read-only once the program runs: no SHF_WRITE, or RELRO data
 * (.data.rel.ro: written only by the dynamic linker). */
bool section_is_readonly(const struct dobj_section *s);

#endif
