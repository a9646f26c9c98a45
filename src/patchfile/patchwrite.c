/* Writing a patch file: see patchwrite.h and docs/patch-format.md. */
#include "patchfile/patchwrite.h"
#include "patchfile/format.h"
#include "patchfile/patchname.h"
#include "common/error.h"
#include "common/util.h"
#include "trust/output.h"
#include "trust/trailer.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct pw_rela {
	uint64_t offset;
	uint32_t type;
	int symbol;
	int64_t addend;
};

struct pw_section {
	char *name;
	uint32_t type;
	uint64_t flags, align, entsize;
	void *data;
	size_t size;
	struct pw_rela *relas;
	size_t nrelas, relas_cap;
	int symbol;            /* its STT_SECTION symbol id, or -1 */
	size_t index;          /* final section index */
};

struct pw_symbol {
	char *name;
	int type, bind, section;
	uint64_t value, size;
	size_t index;          /* final .symtab index */
};

struct pw_func_rec {
	struct suture_patch_func rec;
	int new_symbol;
};

struct pw_symbol_rec {
	struct suture_patch_symbol rec;
	int symbol;
};

struct pw_callback_rec {
	uint32_t kind;
	int symbol;
};

struct patch_writer {
	uint32_t name;
	struct pw_section *secs;
	size_t nsecs, secs_cap;
	struct pw_symbol *syms;
	size_t nsyms, syms_cap;
	struct buf strings;    /* .suture.strings */
	struct buf oldcode;    /* .suture.oldcode */
	struct buf objects;    /* struct suture_patch_object[] */
	struct pw_func_rec *funcs;
	size_t nfuncs, funcs_cap;
	struct pw_symbol_rec *symrecs;
	size_t nsymrecs, symrecs_cap;
	struct pw_callback_rec *callbacks;
	size_t ncallbacks, callbacks_cap;
};

#define GROW(arr, n, cap) do { \
	if ((n) == (cap)) { \
		(cap) = (cap) ? 2 * (cap) : 16; \
		(arr) = xrealloc((arr), (cap) * sizeof *(arr)); \
	} \
} while (0)

static uint32_t add_string(struct patch_writer *pw, const char *s)
{
	if (!s || !*s)
		return 0;
	uint32_t off = (uint32_t)pw->strings.len;
	buf_add(&pw->strings, s, strlen(s) + 1);
	return off;
}

struct patch_writer *patch_writer_new(const char *patch_name)
{
	struct patch_writer *pw = xcalloc(1, sizeof *pw);
	buf_add(&pw->strings, "", 1);   /* offset 0: the empty string */
	pw->name = add_string(pw, patch_name);
	return pw;
}

void patch_writer_free(struct patch_writer *pw)
{
	if (!pw)
		return;
	for (size_t i = 0; i < pw->nsecs; i++) {
		free(pw->secs[i].name);
		free(pw->secs[i].data);
		free(pw->secs[i].relas);
	}
	for (size_t i = 0; i < pw->nsyms; i++)
		free(pw->syms[i].name);
	free(pw->secs);
	free(pw->syms);
	free(pw->funcs);
	free(pw->symrecs);
	free(pw->callbacks);
	buf_free(&pw->strings);
	buf_free(&pw->oldcode);
	buf_free(&pw->objects);
	free(pw);
}

int pw_add_section(struct patch_writer *pw, const char *name, uint32_t type,
		   uint64_t flags, uint64_t align, uint64_t entsize,
		   const void *data, size_t size)
{
	GROW(pw->secs, pw->nsecs, pw->secs_cap);
	struct pw_section *s = &pw->secs[pw->nsecs];
	memset(s, 0, sizeof *s);
	s->name = xstrdup(name);
	s->type = type;
	s->flags = flags;
	s->align = align ? align : 1;
	s->entsize = entsize;
	s->size = size;
	if (type != SHT_NOBITS) {
		s->data = xmalloc(size);
		if (data)
			memcpy(s->data, data, size);
		else
			memset(s->data, 0, size);
	}
	s->symbol = -1;
	return (int)pw->nsecs++;
}

int pw_add_symbol(struct patch_writer *pw, const char *name, int type, int bind,
		  int section, uint64_t value, uint64_t size)
{
	GROW(pw->syms, pw->nsyms, pw->syms_cap);
	struct pw_symbol *s = &pw->syms[pw->nsyms];
	s->name = xstrdup(name ? name : "");
	s->type = type;
	s->bind = bind;
	s->section = section;
	s->value = value;
	s->size = size;
	return (int)pw->nsyms++;
}

int pw_section_symbol(struct patch_writer *pw, int section)
{
	if (pw->secs[section].symbol < 0)
		pw->secs[section].symbol = pw_add_symbol(pw, "", STT_SECTION, STB_LOCAL, section, 0, 0);
	return pw->secs[section].symbol;
}

int pw_symbol_section(struct patch_writer *pw, int symbol)
{
	return pw->syms[symbol].section;
}

void pw_add_rela(struct patch_writer *pw, int section, uint64_t offset,
		 uint32_t type, int symbol, int64_t addend)
{
	struct pw_section *s = &pw->secs[section];
	GROW(s->relas, s->nrelas, s->relas_cap);
	s->relas[s->nrelas++] = (struct pw_rela){ offset, type, symbol, addend };
}

uint32_t pw_add_object(struct patch_writer *pw, const char *name,
		       const uint8_t *build_id, size_t build_id_len)
{
	struct suture_patch_object obj = { 0 };
	obj.name = add_string(pw, name);
	if (build_id_len > SUTURE_BUILD_ID_MAX)
		build_id_len = SUTURE_BUILD_ID_MAX;
	obj.build_id_len = (uint32_t)build_id_len;
	if (build_id_len)
		memcpy(obj.build_id, build_id, build_id_len);
	buf_add(&pw->objects, &obj, sizeof obj);
	return (uint32_t)(pw->objects.len / sizeof obj - 1);
}

void pw_add_func(struct patch_writer *pw, uint32_t object, const char *old_name,
		 const char *old_file, int new_symbol, uint64_t old_size,
		 const uint8_t *old_bytes, const uint8_t *old_mask, uint32_t flags)
{
	GROW(pw->funcs, pw->nfuncs, pw->funcs_cap);
	struct pw_func_rec *f = &pw->funcs[pw->nfuncs++];
	memset(f, 0, sizeof *f);
	f->rec.object = object;
	f->rec.old_name = add_string(pw, old_name);
	f->rec.old_file = add_string(pw, old_file);
	f->rec.old_size = old_size;
	f->rec.old_bytes = (uint32_t)pw->oldcode.len;
	buf_add(&pw->oldcode, old_bytes, old_size);
	f->rec.old_mask = (uint32_t)pw->oldcode.len;
	buf_add(&pw->oldcode, old_mask, old_size);
	f->rec.flags = flags;
	f->new_symbol = new_symbol;
}

void pw_add_symbol_record(struct patch_writer *pw, int symbol, uint32_t object,
			  const char *name, const char *file)
{
	GROW(pw->symrecs, pw->nsymrecs, pw->symrecs_cap);
	struct pw_symbol_rec *r = &pw->symrecs[pw->nsymrecs++];
	memset(r, 0, sizeof *r);
	r->rec.object = object;
	r->rec.name = add_string(pw, name);
	r->rec.file = add_string(pw, file);
	r->symbol = symbol;
}

void pw_add_callback(struct patch_writer *pw, uint32_t kind, int symbol)
{
	GROW(pw->callbacks, pw->ncallbacks, pw->callbacks_cap);
	pw->callbacks[pw->ncallbacks++] = (struct pw_callback_rec){ kind, symbol };
}

/* ---- layout and output ---- */

/* ELF wants every local symbol before the first global one. */
static size_t assign_symbol_indices(struct patch_writer *pw)
{
	size_t next = 1;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < pw->nsyms; i++) {
			bool local = pw->syms[i].bind == STB_LOCAL;
			if (local == (pass == 0))
				pw->syms[i].index = next++;
		}
	return next;
}

static size_t first_global_index(struct patch_writer *pw)
{
	size_t first = 1;
	for (size_t i = 0; i < pw->nsyms; i++)
		if (pw->syms[i].bind == STB_LOCAL)
			first++;
	return first;
}

struct out {
	Elf *elf;
	struct buf shstrtab;
};

static Elf_Scn *new_section(struct out *o, const char *name, uint32_t type,
			    uint64_t flags, uint64_t align, uint64_t entsize,
			    void *data, size_t size)
{
	Elf_Scn *scn = elf_newscn(o->elf);
	if (!scn)
		return NULL;
	Elf_Data *d = elf_newdata(scn);
	if (!d)
		return NULL;
	d->d_buf = data;
	d->d_size = size;
	d->d_type = ELF_T_BYTE;
	d->d_align = align ? align : 1;
	d->d_version = EV_CURRENT;
	GElf_Shdr sh;
	gelf_getshdr(scn, &sh);
	sh.sh_name = (GElf_Word)o->shstrtab.len;
	buf_add(&o->shstrtab, name, strlen(name) + 1);
	sh.sh_type = type;
	sh.sh_flags = flags;
	sh.sh_addralign = align ? align : 1;
	sh.sh_entsize = entsize;
	sh.sh_size = size;
	gelf_update_shdr(scn, &sh);
	return scn;
}

static void set_link(Elf_Scn *scn, size_t link, size_t info)
{
	GElf_Shdr sh;
	gelf_getshdr(scn, &sh);
	sh.sh_link = (GElf_Word)link;
	sh.sh_info = (GElf_Word)info;
	gelf_update_shdr(scn, &sh);
}

/* Everything the ELF file holds, built before libelf writes it. */
struct image {
	Elf64_Sym *symtab;
	struct buf strtab;
	Elf64_Rela **relas;
	struct suture_patch_header header;
	struct suture_patch_func *funcs;
	struct suture_patch_symbol *symrecs;
	struct suture_patch_callback *callbacks;
	char **rela_names;
};

static void build_image(struct patch_writer *pw, struct image *im, size_t nsymtab)
{
	im->symtab = xcalloc(nsymtab, sizeof *im->symtab);
	buf_add(&im->strtab, "", 1);
	for (size_t i = 0; i < pw->nsyms; i++) {
		struct pw_symbol *s = &pw->syms[i];
		Elf64_Sym *e = &im->symtab[s->index];
		if (*s->name) {
			e->st_name = (Elf64_Word)im->strtab.len;
			buf_add(&im->strtab, s->name, strlen(s->name) + 1);
		}
		e->st_info = ELF64_ST_INFO(s->bind, s->type);
		e->st_shndx = s->section == PW_UNDEF ? SHN_UNDEF
			: (Elf64_Section)pw->secs[s->section].index;
		e->st_value = s->value;
		e->st_size = s->size;
	}
	im->relas = xcalloc(pw->nsecs + 1, sizeof *im->relas);
	im->rela_names = xcalloc(pw->nsecs + 1, sizeof *im->rela_names);
	for (size_t i = 0; i < pw->nsecs; i++) {
		struct pw_section *s = &pw->secs[i];
		im->relas[i] = xcalloc(s->nrelas + 1, sizeof **im->relas);
		for (size_t r = 0; r < s->nrelas; r++) {
			struct pw_rela *pr = &s->relas[r];
			im->relas[i][r].r_offset = pr->offset;
			im->relas[i][r].r_info = ELF64_R_INFO(pw->syms[pr->symbol].index, pr->type);
			im->relas[i][r].r_addend = pr->addend;
		}
		im->rela_names[i] = xasprintf(".rela%s", s->name);
	}
	memcpy(im->header.magic, SUTURE_PATCH_MAGIC, 8);
	im->header.version = SUTURE_PATCH_VERSION;
	im->header.name = pw->name;
	im->header.n_objects = (uint32_t)(pw->objects.len / sizeof(struct suture_patch_object));
	im->header.n_funcs = (uint32_t)pw->nfuncs;
	im->header.n_symbols = (uint32_t)pw->nsymrecs;
	im->header.n_callbacks = (uint32_t)pw->ncallbacks;
	im->funcs = xcalloc(pw->nfuncs + 1, sizeof *im->funcs);
	for (size_t i = 0; i < pw->nfuncs; i++) {
		im->funcs[i] = pw->funcs[i].rec;
		im->funcs[i].new_symbol = (uint32_t)pw->syms[pw->funcs[i].new_symbol].index;
	}
	im->symrecs = xcalloc(pw->nsymrecs + 1, sizeof *im->symrecs);
	for (size_t i = 0; i < pw->nsymrecs; i++) {
		im->symrecs[i] = pw->symrecs[i].rec;
		im->symrecs[i].symbol = (uint32_t)pw->syms[pw->symrecs[i].symbol].index;
	}
	im->callbacks = xcalloc(pw->ncallbacks + 1, sizeof *im->callbacks);
	for (size_t i = 0; i < pw->ncallbacks; i++) {
		im->callbacks[i].kind = pw->callbacks[i].kind;
		im->callbacks[i].symbol = (uint32_t)pw->syms[pw->callbacks[i].symbol].index;
	}
}

static void free_image(struct patch_writer *pw, struct image *im)
{
	free(im->symtab);
	buf_free(&im->strtab);
	for (size_t i = 0; im->relas && i < pw->nsecs; i++) {
		free(im->relas[i]);
		free(im->rela_names[i]);
	}
	free(im->relas);
	free(im->rela_names);
	free(im->funcs);
	free(im->symrecs);
	free(im->callbacks);
}

static int emit(struct patch_writer *pw, struct image *im, struct out *o, size_t nsymtab)
{
	GElf_Ehdr eh;
	if (!gelf_newehdr(o->elf, ELFCLASS64) || !gelf_getehdr(o->elf, &eh))
		return err_set("cannot make the ELF header: %s", elf_errmsg(-1));
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_REL;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	buf_add(&o->shstrtab, "", 1);

	/* Section indices: 1.. the content sections, then the rest. */
	for (size_t i = 0; i < pw->nsecs; i++) {
		struct pw_section *s = &pw->secs[i];
		Elf_Scn *scn = new_section(o, s->name, s->type, s->flags, s->align,
					   s->entsize, s->data, s->size);
		if (!scn)
			return err_set("cannot add section %s: %s", s->name, elf_errmsg(-1));
		s->index = elf_ndxscn(scn);
	}
	size_t symtab_index = pw->nsecs + 1, strtab_index = pw->nsecs + 2;
	Elf_Scn *symtab = new_section(o, ".symtab", SHT_SYMTAB, 0, 8, sizeof(Elf64_Sym),
				      NULL, 0);
	Elf_Scn *strtab = new_section(o, ".strtab", SHT_STRTAB, 0, 1, 0, NULL, 0);
	if (!symtab || !strtab)
		return err_set("cannot add the symbol table: %s", elf_errmsg(-1));
	build_image(pw, im, nsymtab);
	Elf_Data *d = elf_getdata(symtab, NULL);
	d->d_buf = im->symtab;
	d->d_size = nsymtab * sizeof(Elf64_Sym);
	d->d_type = ELF_T_SYM;
	d->d_align = 8;
	set_link(symtab, strtab_index, first_global_index(pw));
	d = elf_getdata(strtab, NULL);
	d->d_buf = im->strtab.data;
	d->d_size = im->strtab.len;

	for (size_t i = 0; i < pw->nsecs; i++) {
		struct pw_section *s = &pw->secs[i];
		if (!s->nrelas)
			continue;
		Elf_Scn *scn = new_section(o, im->rela_names[i], SHT_RELA, SHF_INFO_LINK, 8,
					   sizeof(Elf64_Rela), im->relas[i],
					   s->nrelas * sizeof(Elf64_Rela));
		if (!scn)
			return err_set("cannot add section %s: %s", im->rela_names[i], elf_errmsg(-1));
		elf_getdata(scn, NULL)->d_type = ELF_T_RELA;
		set_link(scn, symtab_index, s->index);
	}

	struct { const char *name; void *data; size_t size; uint64_t align; } recs[] = {
		{ SUTURE_SEC_HEADER, &im->header, sizeof im->header, 4 },
		{ SUTURE_SEC_OBJECTS, pw->objects.data, pw->objects.len, 4 },
		{ SUTURE_SEC_FUNCS, im->funcs, pw->nfuncs * sizeof *im->funcs, 8 },
		{ SUTURE_SEC_SYMBOLS, im->symrecs, pw->nsymrecs * sizeof *im->symrecs, 4 },
		{ SUTURE_SEC_CALLBACKS, im->callbacks, pw->ncallbacks * sizeof *im->callbacks, 4 },
		{ SUTURE_SEC_OLDCODE, pw->oldcode.data, pw->oldcode.len, 1 },
		{ SUTURE_SEC_STRINGS, pw->strings.data, pw->strings.len, 1 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(recs); i++)
		if (!new_section(o, recs[i].name, SHT_PROGBITS, 0, recs[i].align, 0,
				 recs[i].data, recs[i].size))
			return err_set("cannot add section %s: %s", recs[i].name, elf_errmsg(-1));

	buf_add(&o->shstrtab, ".shstrtab", sizeof ".shstrtab");
	Elf_Scn *shstr = new_section(o, "", SHT_STRTAB, 0, 1, 0, NULL, 0);
	if (!shstr)
		return err_set("cannot add .shstrtab: %s", elf_errmsg(-1));
	GElf_Shdr sh;
	gelf_getshdr(shstr, &sh);
	sh.sh_name = (GElf_Word)(o->shstrtab.len - sizeof ".shstrtab");
	gelf_update_shdr(shstr, &sh);
	d = elf_getdata(shstr, NULL);
	d->d_buf = o->shstrtab.data;
	d->d_size = o->shstrtab.len;
	eh.e_shstrndx = (Elf64_Half)elf_ndxscn(shstr);
	gelf_update_ehdr(o->elf, &eh);
	if (elf_update(o->elf, ELF_C_WRITE) < 0)
		return err_set("cannot write the ELF file: %s", elf_errmsg(-1));
	return 0;
}

int patch_write(struct patch_writer *pw, const char *path)
{
	if (elf_version(EV_CURRENT) == EV_NONE)
		return err_set("libelf is too old for this program");
	if (patch_name_check(pw->strings.data + pw->name) < 0)
		return -1;
	char *tmp;
	int fd = output_temp(path, &tmp);
	if (fd < 0)
		return -1;
	struct out o = { 0 };
	struct image im = { 0 };
	int ret = -1;
	size_t nsymtab = assign_symbol_indices(pw);
	o.elf = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!o.elf)
		err_set("cannot write %s: %s", path, elf_errmsg(-1));
	else if (emit(pw, &im, &o, nsymtab) < 0)
		err_prefix("%s", path);
	else
		ret = 0;
	if (o.elf)
		elf_end(o.elf);
	/* The checksum over the finished image (trust/trailer.h). */
	if (ret == 0 && trailer_seal_fd(fd, path) < 0)
		ret = -1;
	ret = output_finish(fd, tmp, path, ret);
	free_image(pw, &im);
	buf_free(&o.shstrtab);
	return ret;
}
