/* Reading and validating a patch file: see patchread.h. */
#include "patchfile/patchread.h"
#include "common/error.h"
#include "common/util.h"
#include "patchfile/layout.h"
#include "patchfile/patchname.h"
#include "trust/patch_input.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Every check failure names the file and what is wrong with it. */
#define BAD(pf, ...) (err_set(__VA_ARGS__), err_prefix("%s is not a valid patch", (pf)->ef->path))

/* Every section lies inside the file and its data can be read. */
static int check_sections(struct patch_file *pf)
{
	size_t file_size = 0;
	if (!elf_rawfile(pf->ef->elf, &file_size))
		return BAD(pf, "unreadable file: %s", elf_errmsg(-1));
	if (pf->ef->ehdr.e_type != ET_REL)
		return BAD(pf, "ELF type %u, a patch is a relocatable object (ET_REL)",
			   pf->ef->ehdr.e_type);
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(pf->ef->elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			return BAD(pf, "unreadable section header %zu (truncated?)", elf_ndxscn(scn));
		const char *name = elf_file_section_name(pf->ef, scn);
		if (!name)
			return BAD(pf, "section %zu has no valid name", elf_ndxscn(scn));
		if (sh.sh_type == SHT_NOBITS || sh.sh_type == SHT_NULL)
			continue;
		if (sh.sh_offset > file_size || sh.sh_size > file_size - sh.sh_offset)
			return BAD(pf, "section %s runs past the end of the file (truncated?)", name);
		Elf_Data *d = elf_getdata(scn, NULL);
		if (sh.sh_size && (!d || d->d_size != sh.sh_size))
			return BAD(pf, "section %s is unreadable: %s", name, elf_errmsg(-1));
	}
	if (!pf->ef->symdata)
		return BAD(pf, "no symbol table");
	if (layout_check(pf->ef) < 0)
		return err_prefix("%s is not a valid patch", pf->ef->path);
	return 0;
}

/* One .suture.* section: present, and a whole number of SIZE-byte records
 * (EXPECT of them, unless EXPECT is (size_t)-1). */
static int record_section(struct patch_file *pf, const char *name, size_t size,
			  size_t expect, const void **out, size_t *count)
{
	Elf_Scn *scn = elf_file_section(pf->ef, name);
	if (!scn)
		return BAD(pf, "section %s is missing", name);
	GElf_Shdr sh;
	elf_file_shdr(scn, &sh);
	Elf_Data *d = elf_file_data(scn);
	size_t len = d ? d->d_size : 0;
	/* The records are read in place as C structures: a section at an
	 * unaligned offset would make every read misaligned. */
	if (d && (uintptr_t)d->d_buf % (size < 8 ? size : 8) != 0 && size > 1)
		return BAD(pf, "section %s is at an unaligned offset %#llx", name,
			   (unsigned long long)sh.sh_offset);
	if (len % size != 0)
		return BAD(pf, "section %s holds %zu bytes, not a whole number of %zu-byte records",
			   name, len, size);
	if (expect != (size_t)-1 && len / size != expect)
		return BAD(pf, "section %s holds %zu records, the header says %zu",
			   name, len / size, expect);
	*out = d ? d->d_buf : NULL;
	if (count)
		*count = len / size;
	return 0;
}

static int check_string(struct patch_file *pf, uint32_t off, const char *what, size_t i)
{
	if (off >= pf->strings_size)
		return BAD(pf, "%s %zu: string offset %u outside .suture.strings (%zu bytes)",
			   what, i, off, pf->strings_size);
	return 0;
}

static int check_symbol_index(struct patch_file *pf, uint32_t index, bool defined,
			      const char *what, size_t i)
{
	GElf_Sym sym;
	if (index == 0 || !elf_file_symbol(pf->ef, index, &sym))
		return BAD(pf, "%s %zu: symbol index %u outside .symtab (%zu symbols)",
			   what, i, index, pf->ef->nsyms);
	if (defined && (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE ||
			GELF_ST_TYPE(sym.st_info) != STT_FUNC))
		return BAD(pf, "%s %zu: symbol %u is not a function defined in the patch", what, i, index);
	Elf_Scn *scn;
	GElf_Shdr sh;
	if (defined && (!(scn = elf_getscn(pf->ef->elf, sym.st_shndx)) || !gelf_getshdr(scn, &sh) ||
			!(sh.sh_flags & SHF_EXECINSTR)))
		return BAD(pf, "%s %zu: symbol %u is not in a code section of the patch", what, i, index);
	if (!defined && sym.st_shndx != SHN_UNDEF)
		return BAD(pf, "%s %zu: symbol %u is defined, a resolved symbol must be undefined",
			   what, i, index);
	return 0;
}

static int check_header(struct patch_file *pf)
{
	const void *p;
	size_t n;
	if (record_section(pf, SUTURE_SEC_HEADER, sizeof *pf->header, 1, &p, &n) < 0)
		return -1;
	pf->header = p;
	if (memcmp(pf->header->magic, SUTURE_PATCH_MAGIC, 8) != 0)
		return BAD(pf, "bad magic in %s", SUTURE_SEC_HEADER);
	if (pf->header->version != SUTURE_PATCH_VERSION)
		return BAD(pf, "format version %u, this suture reads version %u; use the suture that made it",
			   pf->header->version, SUTURE_PATCH_VERSION);
	return 0;
}

static int check_blobs(struct patch_file *pf)
{
	const void *p;
	if (record_section(pf, SUTURE_SEC_STRINGS, 1, (size_t)-1, &p, &pf->strings_size) < 0)
		return -1;
	pf->strings = p;
	if (pf->strings_size == 0 || pf->strings[0] != '\0' ||
	    pf->strings[pf->strings_size - 1] != '\0')
		return BAD(pf, "%s must begin and end with a NUL byte", SUTURE_SEC_STRINGS);
	if (record_section(pf, SUTURE_SEC_OLDCODE, 1, (size_t)-1, &p, &pf->oldcode_size) < 0)
		return -1;
	pf->oldcode = p;
	if (check_string(pf, pf->header->name, "header", 0) < 0)
		return -1;
	if (patch_name_check(pf->strings + pf->header->name) < 0)
		return err_prefix("%s is not a valid patch", pf->ef->path);
	return 0;
}

static int check_objects(struct patch_file *pf)
{
	const void *p;
	if (record_section(pf, SUTURE_SEC_OBJECTS, sizeof *pf->objects,
			   pf->header->n_objects, &p, NULL) < 0)
		return -1;
	pf->objects = p;
	for (size_t i = 0; i < pf->header->n_objects; i++) {
		if (check_string(pf, pf->objects[i].name, "object", i) < 0)
			return -1;
		if (pf->objects[i].build_id_len > SUTURE_BUILD_ID_MAX)
			return BAD(pf, "object %zu: build-id length %u over %d", i,
				   pf->objects[i].build_id_len, SUTURE_BUILD_ID_MAX);
	}
	return 0;
}

static int check_range(struct patch_file *pf, uint32_t off, uint64_t size, size_t i)
{
	if (off > pf->oldcode_size || size > pf->oldcode_size - off)
		return BAD(pf, "function %zu: old code range %u+%llu outside %s (%zu bytes)",
			   i, off, (unsigned long long)size, SUTURE_SEC_OLDCODE, pf->oldcode_size);
	return 0;
}

static int check_funcs(struct patch_file *pf)
{
	const void *p;
	if (record_section(pf, SUTURE_SEC_FUNCS, sizeof *pf->funcs, pf->header->n_funcs, &p, NULL) < 0)
		return -1;
	pf->funcs = p;
	for (size_t i = 0; i < pf->header->n_funcs; i++) {
		const struct suture_patch_func *f = &pf->funcs[i];
		if (f->object >= pf->header->n_objects)
			return BAD(pf, "function %zu: object index %u, there are %u objects",
				   i, f->object, pf->header->n_objects);
		if (check_string(pf, f->old_name, "function", i) < 0 ||
		    check_string(pf, f->old_file, "function", i) < 0)
			return -1;
		if (!pf->strings[f->old_name])
			return BAD(pf, "function %zu has no old name", i);
		if (f->old_size == 0)
			return BAD(pf, "function %zu (%s): old size 0", i, pf->strings + f->old_name);
		if (f->flags & ~(uint32_t)SUTURE_FUNC_KNOWN_FLAGS)
			return BAD(pf, "function %zu: unknown flags %#x", i, f->flags);
		if (check_range(pf, f->old_bytes, f->old_size, i) < 0 ||
		    check_range(pf, f->old_mask, f->old_size, i) < 0 ||
		    check_symbol_index(pf, f->new_symbol, true, "function", i) < 0)
			return -1;
	}
	return 0;
}

static int check_symbol_records(struct patch_file *pf)
{
	const void *p;
	if (record_section(pf, SUTURE_SEC_SYMBOLS, sizeof *pf->symbols,
			   pf->header->n_symbols, &p, NULL) < 0)
		return -1;
	pf->symbols = p;
	bool *described = xcalloc(pf->ef->nsyms + 1, 1);
	int ret = 0;
	for (size_t i = 0; i < pf->header->n_symbols && ret == 0; i++) {
		const struct suture_patch_symbol *s = &pf->symbols[i];
		if (check_symbol_index(pf, s->symbol, false, "symbol record", i) < 0 ||
		    check_string(pf, s->name, "symbol record", i) < 0 ||
		    check_string(pf, s->file, "symbol record", i) < 0)
			ret = -1;
		else if (s->object != SUTURE_OBJECT_GLOBAL && s->object >= pf->header->n_objects)
			ret = BAD(pf, "symbol record %zu: object index %u, there are %u objects",
				  i, s->object, pf->header->n_objects);
		else if (!pf->strings[s->name])
			ret = BAD(pf, "symbol record %zu has no name", i);
		else
			described[s->symbol] = true;
	}
	for (size_t i = 1; i < pf->ef->nsyms && ret == 0; i++) {
		GElf_Sym sym;
		elf_file_symbol(pf->ef, i, &sym);
		if (sym.st_shndx == SHN_UNDEF && !described[i])
			ret = BAD(pf, "undefined symbol %s has no record in %s",
				  elf_file_symbol_name(pf->ef, &sym), SUTURE_SEC_SYMBOLS);
	}
	free(described);
	return ret;
}

static int check_callbacks(struct patch_file *pf)
{
	const void *p;
	if (record_section(pf, SUTURE_SEC_CALLBACKS, sizeof *pf->callbacks,
			   pf->header->n_callbacks, &p, NULL) < 0)
		return -1;
	pf->callbacks = p;
	for (size_t i = 0; i < pf->header->n_callbacks; i++) {
		if (pf->callbacks[i].kind < SUTURE_CB_PRE_PATCH ||
		    pf->callbacks[i].kind > SUTURE_CB_POST_UNPATCH)
			return BAD(pf, "callback %zu: unknown kind %u", i, pf->callbacks[i].kind);
		if (check_symbol_index(pf, pf->callbacks[i].symbol, true, "callback", i) < 0)
			return -1;
	}
	return 0;
}

/* A defined symbol lies inside its section: the runtime finds a new
 * function's code at its value, for its size. */
static int check_symbol_extent(struct patch_file *pf, size_t i, const GElf_Sym *sym)
{
	GElf_Shdr sh;
	Elf_Scn *scn;
	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= SHN_LORESERVE ||
	    GELF_ST_TYPE(sym->st_info) == STT_SECTION)
		return 0;
	if (!(scn = elf_getscn(pf->ef->elf, sym->st_shndx)) || !gelf_getshdr(scn, &sh))
		return BAD(pf, "symbol %zu is in section %u, which cannot be read", i, sym->st_shndx);
	if (sym->st_value > sh.sh_size || sym->st_size > sh.sh_size - sym->st_value)
		return BAD(pf, "symbol %s (%zu) runs past the end of its section",
			   elf_file_symbol_name(pf->ef, sym), i);
	return 0;
}

/* Symbols name valid sections and strings; relocations valid symbols and
 * offsets inside the section they patch. */
static int check_symtab_and_relocations(struct patch_file *pf)
{
	size_t nsections = 0;
	elf_getshdrnum(pf->ef->elf, &nsections);
	for (size_t i = 1; i < pf->ef->nsyms; i++) {
		GElf_Sym sym;
		if (!elf_file_symbol(pf->ef, i, &sym))
			return BAD(pf, "symbol %zu is unreadable", i);
		if (!elf_strptr(pf->ef->elf, pf->ef->symstrndx, sym.st_name))
			return BAD(pf, "symbol %zu has a name outside the string table", i);
		if (sym.st_shndx >= nsections && sym.st_shndx < SHN_LORESERVE)
			return BAD(pf, "symbol %zu is in section %u, there are %zu", i, sym.st_shndx, nsections);
		if (check_symbol_extent(pf, i, &sym) < 0)
			return -1;
	}
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(pf->ef->elf, scn))) {
		GElf_Shdr sh, target;
		gelf_getshdr(scn, &sh);
		if (sh.sh_type != SHT_RELA)
			continue;
		const char *name = elf_file_section_name(pf->ef, scn);
		Elf_Scn *tscn = elf_getscn(pf->ef->elf, sh.sh_info);
		if (sh.sh_info == 0 || !tscn || !gelf_getshdr(tscn, &target))
			return BAD(pf, "%s applies to section %u, which does not exist", name, sh.sh_info);
		Elf_Data *d = elf_getdata(scn, NULL);
		if (sh.sh_entsize != sizeof(Elf64_Rela))
			return BAD(pf, "%s: entry size %lu, expected %zu", name, (unsigned long)sh.sh_entsize, sizeof(Elf64_Rela));
		size_t n = d ? d->d_size / sh.sh_entsize : 0;
		for (size_t r = 0; r < n; r++) {
			GElf_Rela rela;
			if (!gelf_getrela(d, (int)r, &rela))
				return BAD(pf, "%s: relocation %zu is unreadable", name, r);
			if (GELF_R_SYM(rela.r_info) >= pf->ef->nsyms)
				return BAD(pf, "%s: relocation %zu names symbol %lu outside .symtab",
					   name, r, (unsigned long)GELF_R_SYM(rela.r_info));
			if (rela.r_offset >= target.sh_size)
				return BAD(pf, "%s: relocation %zu at offset %#lx outside its section",
					   name, r, (unsigned long)rela.r_offset);
		}
	}
	return 0;
}

struct patch_file *patch_file_open(const char *path)
{
	/* Read once, its owner, mode and checksum checked, before anything
	 * of it is parsed (trust/patch_input.h). */
	size_t image_len;
	struct suture_trailer trailer;
	uint8_t *bytes = trust_read_patch(path, &image_len, &trailer);
	if (!bytes)
		return NULL;
	struct patch_file *pf = xcalloc(1, sizeof *pf);
	pf->bytes = bytes;
	pf->image_len = image_len;
	pf->trailer = trailer;
	pf->ef = elf_file_open_memory(path, bytes, image_len);
	if (!pf->ef) {
		free(bytes);
		free(pf);
		return NULL;
	}
	if (check_sections(pf) < 0 || check_header(pf) < 0 || check_blobs(pf) < 0 ||
	    check_objects(pf) < 0 || check_symtab_and_relocations(pf) < 0 ||
	    check_funcs(pf) < 0 || check_symbol_records(pf) < 0 || check_callbacks(pf) < 0) {
		patch_file_close(pf);
		return NULL;
	}
	return pf;
}

void patch_file_close(struct patch_file *pf)
{
	if (!pf)
		return;
	elf_file_close(pf->ef);
	free(pf->bytes);
	free(pf);
}

const char *patch_string(const struct patch_file *pf, uint32_t offset)
{
	return offset < pf->strings_size ? pf->strings + offset : "";
}

bool patch_symbol(const struct patch_file *pf, uint32_t index, GElf_Sym *sym)
{
	return elf_file_symbol(pf->ef, index, sym);
}

const char *patch_symbol_name(const struct patch_file *pf, uint32_t index)
{
	GElf_Sym sym;
	if (!elf_file_symbol(pf->ef, index, &sym))
		return "";
	return elf_file_symbol_name(pf->ef, &sym);
}

const char *patch_callback_kind_name(uint32_t kind)
{
	switch (kind) {
	case SUTURE_CB_PRE_PATCH: return "pre-patch";
	case SUTURE_CB_POST_PATCH: return "post-patch";
	case SUTURE_CB_PRE_UNPATCH: return "pre-unpatch";
	case SUTURE_CB_POST_UNPATCH: return "post-unpatch";
	}
	return "unknown";
}
