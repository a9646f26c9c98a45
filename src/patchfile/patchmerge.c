/* Merging the parts of a patch: see patchmerge.h. */
#include "patchfile/patchmerge.h"
#include "patchfile/patchread.h"
#include "patchfile/patchwrite.h"
#include "common/error.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

struct part {
	struct patch_file *pf;
	uint32_t object;  /* the merged patch's target object of this part */
	int *sec_map;     /* section index -> merged section id, or -1 */
	int *sym_map;     /* .symtab index -> merged symbol id, or -1 */
	size_t nsecs;
};

/* A name (of one target object) and the merged symbol that has it. */
struct named {
	const char *name;
	uint32_t object;
	int id;
};

struct merge {
	struct patch_writer *pw;
	struct part *parts;
	size_t nparts;
	struct named *globals;    /* defined global symbols */
	size_t nglobals;
	struct named *undefs;     /* undefined symbols, by .symtab name */
	size_t nundefs;
};

static int find(const struct named *list, size_t n, uint32_t object, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].object == object && strcmp(list[i].name, name) == 0)
			return list[i].id;
	return -1;
}

static void add_named(struct named **list, size_t *n, uint32_t object, const char *name, int id)
{
	*list = xrealloc(*list, (*n + 1) * sizeof **list);
	(*list)[(*n)++] = (struct named){ name, object, id };
}

/* Sections the merged file makes afresh rather than copies. */
static bool is_own_section(const GElf_Shdr *sh, const char *name)
{
	return sh->sh_type == SHT_NULL || sh->sh_type == SHT_SYMTAB || sh->sh_type == SHT_STRTAB ||
	       sh->sh_type == SHT_RELA || sh->sh_type == SHT_REL || strncmp(name, ".suture.", 8) == 0;
}

static void copy_sections(struct merge *m, struct part *p)
{
	Elf *elf = p->pf->ef->elf;
	elf_getshdrnum(elf, &p->nsecs);
	p->sec_map = xmalloc(p->nsecs * sizeof *p->sec_map);
	memset(p->sec_map, 0xff, p->nsecs * sizeof *p->sec_map);
	for (size_t i = 1; i < p->nsecs; i++) {
		Elf_Scn *scn = elf_getscn(elf, i);
		GElf_Shdr sh;
		gelf_getshdr(scn, &sh);
		const char *name = elf_file_section_name(p->pf->ef, scn);
		if (is_own_section(&sh, name))
			continue;
		Elf_Data *d = elf_file_data(scn);
		p->sec_map[i] = pw_add_section(m->pw, name, sh.sh_type, sh.sh_flags, sh.sh_addralign,
					       sh.sh_entsize, d ? d->d_buf : NULL, sh.sh_size);
	}
}

static int copy_defined_symbols(struct merge *m, struct part *p)
{
	struct elf_file *ef = p->pf->ef;
	p->sym_map = xmalloc((ef->nsyms + 1) * sizeof *p->sym_map);
	memset(p->sym_map, 0xff, (ef->nsyms + 1) * sizeof *p->sym_map);
	for (size_t i = 1; i < ef->nsyms; i++) {
		GElf_Sym sym;
		elf_file_symbol(ef, i, &sym);
		int type = GELF_ST_TYPE(sym.st_info), bind = GELF_ST_BIND(sym.st_info);
		if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= p->nsecs || type == STT_FILE ||
		    p->sec_map[sym.st_shndx] < 0)
			continue;
		if (type == STT_SECTION) {
			p->sym_map[i] = pw_section_symbol(m->pw, p->sec_map[sym.st_shndx]);
			continue;
		}
		const char *name = elf_file_symbol_name(ef, &sym);
		if (bind != STB_LOCAL && find(m->globals, m->nglobals, p->object, name) >= 0)
			return err_set("%s and another part both define %s; a program has one",
				       ef->path, name);
		p->sym_map[i] = pw_add_symbol(m->pw, name, type, bind, p->sec_map[sym.st_shndx],
					      sym.st_value, sym.st_size);
		if (bind != STB_LOCAL)
			add_named(&m->globals, &m->nglobals, p->object, name, p->sym_map[i]);
	}
	return 0;
}

/* Undefined symbols: a global one another part defines is that
 * definition; the rest are made once per name, with their records. */
static void map_undefined_symbols(struct merge *m, struct part *p)
{
	const struct patch_file *pf = p->pf;
	for (uint32_t r = 0; r < pf->header->n_symbols; r++) {
		const struct suture_patch_symbol *rec = &pf->symbols[r];
		const char *sym_name = patch_symbol_name(pf, rec->symbol);
		int id = rec->file ? -1 : find(m->globals, m->nglobals, p->object, sym_name);
		if (id < 0)
			id = find(m->undefs, m->nundefs, p->object, sym_name);
		if (id < 0) {
			GElf_Sym sym;
			patch_symbol(pf, rec->symbol, &sym);
			id = pw_add_symbol(m->pw, sym_name, GELF_ST_TYPE(sym.st_info), STB_GLOBAL,
					   PW_UNDEF, 0, 0);
			pw_add_symbol_record(m->pw, id,
					     rec->object == SUTURE_OBJECT_GLOBAL ? SUTURE_OBJECT_GLOBAL : p->object,
					     patch_string(pf, rec->name), patch_string(pf, rec->file));
			add_named(&m->undefs, &m->nundefs, p->object, sym_name, id);
		}
		p->sym_map[rec->symbol] = id;
	}
}

static void copy_relocations(struct merge *m, struct part *p)
{
	Elf *elf = p->pf->ef->elf;
	for (size_t i = 1; i < p->nsecs; i++) {
		Elf_Scn *scn = elf_getscn(elf, i);
		GElf_Shdr sh;
		gelf_getshdr(scn, &sh);
		if (sh.sh_type != SHT_RELA || sh.sh_info >= p->nsecs || p->sec_map[sh.sh_info] < 0)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t n = d ? d->d_size / sizeof(Elf64_Rela) : 0;
		for (size_t r = 0; r < n; r++) {
			GElf_Rela rela;
			gelf_getrela(d, (int)r, &rela);
			int sym = p->sym_map[GELF_R_SYM(rela.r_info)];
			if (sym >= 0)
				pw_add_rela(m->pw, p->sec_map[sh.sh_info], rela.r_offset,
					    (uint32_t)GELF_R_TYPE(rela.r_info), sym, rela.r_addend);
		}
	}
}

static void copy_records(struct merge *m, struct part *p)
{
	const struct patch_file *pf = p->pf;
	for (uint32_t i = 0; i < pf->header->n_funcs; i++) {
		const struct suture_patch_func *f = &pf->funcs[i];
		pw_add_func(m->pw, p->object, patch_string(pf, f->old_name), patch_string(pf, f->old_file),
			    p->sym_map[f->new_symbol], f->old_size, pf->oldcode + f->old_bytes,
			    pf->oldcode + f->old_mask, f->flags);
	}
	for (uint32_t i = 0; i < pf->header->n_callbacks; i++)
		pw_add_callback(m->pw, pf->callbacks[i].kind, p->sym_map[pf->callbacks[i].symbol]);
}

static int merge_parts(struct merge *m)
{
	for (size_t i = 0; i < m->nparts; i++) {
		struct part *p = &m->parts[i];
		copy_sections(m, p);
		if (copy_defined_symbols(m, p) < 0)
			return -1;
	}
	for (size_t i = 0; i < m->nparts; i++) {
		map_undefined_symbols(m, &m->parts[i]);
		copy_relocations(m, &m->parts[i]);
		copy_records(m, &m->parts[i]);
	}
	return 0;
}

int patch_merge_objects(const char *const *parts, const uint32_t *part_object, size_t nparts,
			const char *name, const struct patch_merge_object *objects, size_t nobjects,
			const char *out)
{
	struct merge m = { .nparts = nparts };
	m.parts = xcalloc(nparts + 1, sizeof *m.parts);
	int ret = 0;
	for (size_t i = 0; i < nparts && ret == 0; i++) {
		m.parts[i].object = part_object[i];
		m.parts[i].pf = patch_file_open(parts[i]);
		if (!m.parts[i].pf)
			ret = -1;
		else if (m.parts[i].pf->header->n_objects != 1)
			ret = err_set("%s has %u target objects; only parts of one object are merged",
				      parts[i], m.parts[i].pf->header->n_objects);
	}
	if (ret == 0) {
		m.pw = patch_writer_new(name);
		for (size_t i = 0; i < nobjects; i++)
			pw_add_object(m.pw, objects[i].name, objects[i].build_id, objects[i].build_id_len);
		ret = merge_parts(&m);
		if (ret == 0)
			ret = patch_write(m.pw, out);
		patch_writer_free(m.pw);
	}
	for (size_t i = 0; i < nparts; i++) {
		patch_file_close(m.parts[i].pf);
		free(m.parts[i].sec_map);
		free(m.parts[i].sym_map);
	}
	free(m.parts);
	free(m.globals);
	free(m.undefs);
	return ret;
}

int patch_merge(const char *const *parts, size_t nparts, const char *name,
		const char *object_name, const uint8_t *build_id, size_t build_id_len,
		const char *out)
{
	uint32_t *part_object = xcalloc(nparts + 1, sizeof *part_object);
	struct patch_merge_object object = { object_name, build_id, build_id_len };
	int ret = patch_merge_objects(parts, part_object, nparts, name, &object, 1, out);
	free(part_object);
	return ret;
}
