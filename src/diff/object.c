/* Loading a relocatable object for diff: see object.h. */
#include "diff/object.h"
#include "diff/patchsrc.h"
#include "diff/names.h"
#include "common/error.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

static int cmp_rela(const void *a, const void *b)
{
	const struct dobj_rela *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* For qsort of section symbol lists (by value, then larger first). */
static const struct dobj *sort_obj;
static int cmp_sym_value(const void *a, const void *b)
{
	const GElf_Sym *x = &sort_obj->syms[*(const uint32_t *)a].sym;
	const GElf_Sym *y = &sort_obj->syms[*(const uint32_t *)b].sym;
	if (x->st_value != y->st_value)
		return x->st_value < y->st_value ? -1 : 1;
	return x->st_size > y->st_size ? -1 : x->st_size < y->st_size;
}

/* What diff reads: the loaded sections, their relocations, and the unit
 * records.  Debug information (most of an object built with -g) is left
 * unread, and so unmapped: linefix.c reads the line tables on its own. */
static bool needs_data(const struct dobj *o, const GElf_Shdr *sh, const char *name)
{
	if (sh->sh_flags & SHF_ALLOC)
		return true;
	if (sh->sh_type == SHT_RELA) {
		GElf_Shdr target;
		Elf_Scn *scn = elf_getscn(o->ef->elf, sh->sh_info);
		return scn && gelf_getshdr(scn, &target) && (target.sh_flags & SHF_ALLOC);
	}
	return strcmp(name, ".suture.units") == 0;
}

static int load_sections(struct dobj *o)
{
	if (elf_getshdrnum(o->ef->elf, &o->nsecs) != 0)
		return err_set("%s: unreadable section headers: %s", o->path, elf_errmsg(-1));
	o->secs = xcalloc(o->nsecs, sizeof *o->secs);
	for (size_t i = 1; i < o->nsecs; i++) {
		struct dobj_section *s = &o->secs[i];
		Elf_Scn *scn = elf_getscn(o->ef->elf, i);
		if (!scn || !gelf_getshdr(scn, &s->sh))
			return err_set("%s: unreadable section %zu (truncated?)", o->path, i);
		s->name = elf_file_section_name(o->ef, scn);
		if (!s->name)
			s->name = "";
		if (s->sh.sh_type != SHT_NOBITS && s->sh.sh_size && needs_data(o, &s->sh, s->name)) {
			Elf_Data *d = elf_getdata(scn, NULL);
			if (!d || d->d_size != s->sh.sh_size)
				return err_set("%s: unreadable section %s (truncated?)", o->path, s->name);
			s->data = d->d_buf;
		}
		s->is_code = s->sh.sh_flags & SHF_EXECINSTR;
		s->is_strings = (s->sh.sh_flags & (SHF_MERGE | SHF_STRINGS)) == (SHF_MERGE | SHF_STRINGS);
	}
	return 0;
}

/* Relocations go with the section they patch, sorted by offset. */
static int load_relocations(struct dobj *o)
{
	for (size_t i = 1; i < o->nsecs; i++) {
		struct dobj_section *rs = &o->secs[i];
		if (rs->sh.sh_type != SHT_RELA || rs->sh.sh_info == 0 || rs->sh.sh_info >= o->nsecs ||
		    rs->sh.sh_entsize != sizeof(Elf64_Rela) || !rs->data)
			continue;
		struct dobj_section *target = &o->secs[rs->sh.sh_info];
		size_t n = rs->sh.sh_size / sizeof(Elf64_Rela);
		const Elf64_Rela *raw = (const Elf64_Rela *)rs->data;
		target->relas = xrealloc(target->relas, (target->nrelas + n) * sizeof *target->relas);
		for (size_t r = 0; r < n; r++) {
			uint32_t sym = (uint32_t)ELF64_R_SYM(raw[r].r_info);
			if (sym >= o->nsyms)
				return err_set("%s: relocation %zu of %s names symbol %u outside .symtab "
					       "(damaged object?)", o->path, r, rs->name, sym);
			if (raw[r].r_offset >= target->sh.sh_size)
				return err_set("%s: relocation %zu of %s lies outside %s (damaged object?)",
					       o->path, r, rs->name, target->name);
			target->relas[target->nrelas++] = (struct dobj_rela){
				raw[r].r_offset, (uint32_t)ELF64_R_TYPE(raw[r].r_info), sym, raw[r].r_addend };
		}
		qsort(target->relas, target->nrelas, sizeof *target->relas, cmp_rela);
	}
	return 0;
}

static enum dsym_kind symbol_kind(const struct dobj *o, const GElf_Sym *sym, int type)
{
	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx == SHN_ABS)
		return DSYM_OTHER;
	if (sym->st_shndx == SHN_COMMON)
		return DSYM_DATA;
	if (sym->st_shndx >= o->nsecs)
		return DSYM_OTHER;
	/* <suture/patch.h>'s callback declarations are records, not data */
	if (patchsrc_is_decl_section(o, sym->st_shndx))
		return DSYM_OTHER;
	/* String literals are compared by content, never by label (gcc's
	 * .LC0, clang's .L.str.1 objects). */
	if (o->secs[sym->st_shndx].is_strings)
		return DSYM_OTHER;
	if (type == STT_FUNC || type == STT_GNU_IFUNC)
		return DSYM_FUNC;
	if (type == STT_OBJECT || type == STT_TLS)
		return DSYM_DATA;
	return DSYM_OTHER;
}

/* A function or datum lies inside its section. */
static int check_symbol(const struct dobj *o, const struct dobj_symbol *s)
{
	if (s->kind == DSYM_OTHER || s->sym.st_shndx == SHN_COMMON)
		return 0;
	const struct dobj_section *sec = &o->secs[s->sym.st_shndx];
	if (sec->sh.sh_type != SHT_NOBITS &&
	    (s->sym.st_value > sec->sh.sh_size || s->sym.st_size > sec->sh.sh_size - s->sym.st_value))
		return err_set("%s: symbol %s lies outside its section %s (damaged object?)",
			       o->path, s->name, sec->name);
	return 0;
}

static int load_symbols(struct dobj *o)
{
	o->nsyms = o->ef->nsyms;
	o->syms = xcalloc(o->nsyms + 1, sizeof *o->syms);
	const char *file = NULL;
	for (size_t i = 0; i < o->nsyms; i++) {
		struct dobj_symbol *s = &o->syms[i];
		elf_file_symbol(o->ef, i, &s->sym);
		s->name = elf_file_symbol_name(o->ef, &s->sym);
		s->type = GELF_ST_TYPE(s->sym.st_info);
		s->bind = GELF_ST_BIND(s->sym.st_info);
		s->twin = -1;
		s->owner = -1;
		if (s->type == STT_FILE) {
			file = s->name;
			o->nfiles++;
			continue;
		}
		if (s->bind == STB_LOCAL)
			s->file = file;
		s->kind = symbol_kind(o, &s->sym, s->type);
		if (s->kind != DSYM_OTHER) {
			s->key = name_key(s->name);
			s->is_part = s->kind == DSYM_FUNC && name_is_part(s->name);
			s->const_local = s->kind == DSYM_DATA && s->bind == STB_LOCAL &&
					 s->sym.st_shndx < o->nsecs &&
					 section_is_readonly(&o->secs[s->sym.st_shndx]);
			if (check_symbol(o, s) < 0)
				return -1;
		}
	}
	return 0;
}

/* Each section's FUNC/OBJECT symbols by address, for dobj_symbol_at(). */
static void index_section_symbols(struct dobj *o)
{
	for (size_t i = 0; i < o->nsyms; i++) {
		struct dobj_symbol *s = &o->syms[i];
		if (s->kind == DSYM_OTHER || s->sym.st_shndx == SHN_COMMON)
			continue;
		struct dobj_section *sec = &o->secs[s->sym.st_shndx];
		sec->syms = xrealloc(sec->syms, (sec->nsyms + 1) * sizeof *sec->syms);
		sec->syms[sec->nsyms++] = (uint32_t)i;
	}
	sort_obj = o;
	for (size_t i = 1; i < o->nsecs; i++)
		if (o->secs[i].nsyms > 1)
			qsort(o->secs[i].syms, o->secs[i].nsyms, sizeof(uint32_t), cmp_sym_value);
}

/* Checks and loads O, whose ELF file is open; NULL (O closed) on failure. */
static struct dobj *dobj_load(struct dobj *o)
{
	const char *path = o->path;
	if (o->ef->ehdr.e_type != ET_REL) {
		err_set("%s is not a relocatable object (.o); give suture diff the objects the compiler wrote", path);
		dobj_close(o);
		return NULL;
	}
	if (!o->ef->symdata) {
		err_set("%s has no symbol table (stripped?); give suture diff the objects the compiler wrote", path);
		dobj_close(o);
		return NULL;
	}
	if (load_sections(o) < 0 || load_symbols(o) < 0 || load_relocations(o) < 0) {
		dobj_close(o);
		return NULL;
	}
	index_section_symbols(o);
	for (size_t i = 1; i < o->nsecs; i++)
		if (strcmp(o->secs[i].name, ".suture.units") == 0 && o->secs[i].data) {
			o->units = (const char *)o->secs[i].data;
			o->units_size = o->secs[i].sh.sh_size;
		}
	return o;
}

struct dobj *dobj_open(const char *path)
{
	struct dobj *o = xcalloc(1, sizeof *o);
	o->path = path;
	o->ef = elf_file_open(path);
	if (!o->ef) {
		free(o);
		return NULL;
	}
	return dobj_load(o);
}

struct dobj *dobj_open_memory(const char *name, void *image, size_t size)
{
	struct dobj *o = xcalloc(1, sizeof *o);
	o->path = name;
	o->image = image;
	o->image_size = size;
	o->ef = elf_file_open_memory(name, image, size);
	if (!o->ef) {
		free(o);
		return NULL;
	}
	return dobj_load(o);
}

void dobj_close(struct dobj *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->nsecs; i++) {
		free(o->secs[i].relas);
		free(o->secs[i].syms);
	}
	for (size_t i = 0; i < o->nsyms; i++)
		free((char *)o->syms[i].key);
	free(o->secs);
	free(o->syms);
	elf_file_close(o->ef);
	free(o);
}

int dobj_symbol_at(const struct dobj *o, size_t sec, uint64_t offset)
{
	if (sec == 0 || sec >= o->nsecs)
		return -1;
	const struct dobj_section *s = &o->secs[sec];
	/* Last symbol with value <= offset, then back over overlapping ones. */
	size_t lo = 0, hi = s->nsyms;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (o->syms[s->syms[mid]].sym.st_value <= offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0;) {
		const GElf_Sym *sym = &o->syms[s->syms[i]].sym;
		if (offset < sym->st_value + sym->st_size ||
		    (sym->st_size == 0 && offset == sym->st_value))
			return (int)s->syms[i];
		if (lo - i > 8)
			break;
	}
	return -1;
}

const uint8_t *dobj_symbol_bytes(const struct dobj *o, const struct dobj_symbol *s)
{
	if (s->sym.st_shndx == SHN_COMMON || s->sym.st_shndx >= o->nsecs)
		return NULL;
	const struct dobj_section *sec = &o->secs[s->sym.st_shndx];
	if (!sec->data || s->sym.st_value + s->sym.st_size > sec->sh.sh_size)
		return NULL;
	return sec->data + s->sym.st_value;
}

enum padding_form dobj_symbol_padding(const struct dobj *o, const struct dobj_symbol *s,
				      struct padding *out)
{
	const uint8_t *bytes = dobj_symbol_bytes(o, s);
	if (!bytes || s->sym.st_size == 0) {
		memset(out, 0, sizeof *out);
		return PADDING_NONE;
	}
	/* the room lies before the symbol, in its section */
	const uint8_t *before = s->sym.st_value >= PADDING_ROOM_SIZE ? bytes - PADDING_ROOM_SIZE
								      : NULL;
	return padding_read(before, bytes, s->sym.st_size, out);
}

size_t dobj_relas_in(const struct dobj *o, size_t sec, uint64_t start, uint64_t end,
		     size_t *count)
{
	const struct dobj_section *s = &o->secs[sec];
	size_t lo = 0, hi = s->nrelas;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->relas[mid].offset < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t n = 0;
	while (lo + n < s->nrelas && s->relas[lo + n].offset < end)
		n++;
	*count = n;
	return lo;
}

bool section_is_readonly(const struct dobj_section *s)
{
	return !(s->sh.sh_flags & SHF_WRITE) || strncmp(s->name, ".data.rel.ro", 12) == 0;
}

unsigned rela_width(uint32_t type)
{
	switch (type) {
	case R_X86_64_NONE:
		return 0;
	case R_X86_64_64: case R_X86_64_PC64: case R_X86_64_GOTOFF64:
	case R_X86_64_GOTPC64: case R_X86_64_GOT64: case R_X86_64_PLTOFF64:
	case R_X86_64_DTPOFF64: case R_X86_64_TPOFF64: case R_X86_64_SIZE64:
		return 8;
	case R_X86_64_16: case R_X86_64_PC16:
		return 2;
	case R_X86_64_8: case R_X86_64_PC8:
		return 1;
	default:
		return 4;
	}
}

bool rela_is_pc_relative(uint32_t type)
{
	switch (type) {
	case R_X86_64_PC32: case R_X86_64_PLT32: case R_X86_64_GOTPCREL:
	case R_X86_64_GOTPCRELX: case R_X86_64_REX_GOTPCRELX: case R_X86_64_GOTPC32:
	case R_X86_64_TLSGD: case R_X86_64_TLSLD: case R_X86_64_GOTTPOFF:
	case R_X86_64_GOTPC32_TLSDESC: case R_X86_64_PC64: case R_X86_64_PC16: case R_X86_64_PC8:
		return true;
	}
	return false;
}
