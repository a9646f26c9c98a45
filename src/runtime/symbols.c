/* Symbol lookup in the target process. */
#include "runtime/symbols.h"
#include "common/error.h"
#include "common/util.h"

#include <elf.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

static Elf_Scn *find_section_type(struct elf_file *ef, uint32_t type)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && sh.sh_type == type)
			return scn;
	}
	return NULL;
}

static uint64_t symbol_addr(const struct object *obj, const GElf_Sym *sym)
{
	if (GELF_ST_TYPE(sym->st_info) == STT_TLS || sym->st_shndx == SHN_ABS)
		return sym->st_value;
	return sym->st_value + obj->base;
}

int sym_in_object(const struct object *obj, const char *name, const char *file, struct resolved *out)
{
	struct elf_file *ef = obj->elf;
	Elf_Scn *scn = ef->symtab ? ef->symtab : find_section_type(ef, SHT_DYNSYM);
	if (!scn)
		return 0;
	GElf_Shdr sh;
	gelf_getshdr(scn, &sh);
	Elf_Data *data = elf_getdata(scn, NULL);
	if (!data || !sh.sh_entsize)
		return 0;
	size_t n = sh.sh_size / sh.sh_entsize;
	const char *cur_file = "";
	int found = 0;
	bool want_file = file && *file;
	for (size_t i = 1; i < n; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(data, (int)i, &sym))
			continue;
		const char *sname = elf_strptr(ef->elf, sh.sh_link, sym.st_name);
		if (!sname)
			continue;
		int type = GELF_ST_TYPE(sym.st_info);
		if (type == STT_FILE) {
			cur_file = sname;
			continue;
		}
		if (sym.st_shndx == SHN_UNDEF || strcmp(sname, name) != 0)
			continue;
		bool local = GELF_ST_BIND(sym.st_info) == STB_LOCAL;
		if (want_file && local) {
			const char *base = strrchr(cur_file, '/');
			const char *fbase = strrchr(file, '/');
			if (strcmp(cur_file, file) != 0 &&
			    strcmp(base ? base + 1 : cur_file, fbase ? fbase + 1 : file) != 0)
				continue;
		}
		if (want_file && !local && found)
			continue;   /* a global of the same name never wins over the local one */
		struct resolved r = { symbol_addr(obj, &sym), sym.st_size, type, obj };
		if (found && !(want_file && local)) {
			if (r.addr == out->addr)
				continue;
			return err_set("%s has several symbols named '%s'; the patch must say which source "
				       "file's (rebuild the patch with suture build)", obj->path, name);
		}
		*out = r;
		found = 1;
		if (want_file && local)
			return 1;
	}
	return found;
}

/* An exported definition of NAME in OBJ's .dynsym: defined, global or
 * weak, visible, and the default version when the name has several. */
static int sym_exported(const struct object *obj, const char *name, struct resolved *out)
{
	struct elf_file *ef = obj->elf;
	Elf_Scn *scn = find_section_type(ef, SHT_DYNSYM);
	if (!scn)
		return 0;
	Elf_Scn *vscn = find_section_type(ef, SHT_GNU_versym);
	Elf_Data *vdata = vscn ? elf_getdata(vscn, NULL) : NULL;
	GElf_Shdr sh;
	gelf_getshdr(scn, &sh);
	Elf_Data *data = elf_getdata(scn, NULL);
	if (!data || !sh.sh_entsize)
		return 0;
	size_t n = sh.sh_size / sh.sh_entsize;
	int found = 0;
	for (size_t i = 1; i < n; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF)
			continue;
		int bind = GELF_ST_BIND(sym.st_info);
		if ((bind != STB_GLOBAL && bind != STB_WEAK) ||
		    GELF_ST_VISIBILITY(sym.st_other) == STV_HIDDEN)
			continue;
		const char *sname = elf_strptr(ef->elf, sh.sh_link, sym.st_name);
		if (!sname || strcmp(sname, name) != 0)
			continue;
		GElf_Versym ver = 0;
		if (vdata)
			gelf_getversym(vdata, (int)i, &ver);
		if (ver & 0x8000)
			continue;   /* a hidden, non-default version */
		*out = (struct resolved){ symbol_addr(obj, &sym), sym.st_size, GELF_ST_TYPE(sym.st_info), obj };
		found = 1;
		if (bind == STB_GLOBAL)
			return 1;
	}
	return found;
}

/* The address of the executable's r_debug, from DT_DEBUG in its dynamic
 * section as the dynamic linker filled it in; 0 when there is none. */
static uint64_t find_r_debug(struct proc *p, const struct object *exe)
{
	size_t nph = 0;
	elf_getphdrnum(exe->elf->elf, &nph);
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(exe->elf->elf, (int)i, &ph) || ph.p_type != PT_DYNAMIC)
			continue;
		for (uint64_t off = 0; off + 16 <= ph.p_memsz; off += 16) {
			int64_t dyn[2];
			if (mem_read(p, exe->base + ph.p_vaddr + off, dyn, sizeof dyn) < 0 || dyn[0] == DT_NULL)
				return 0;
			if (dyn[0] == DT_DEBUG)
				return (uint64_t)dyn[1];
		}
	}
	return 0;
}

/* The objects in the order of the dynamic linker's link_map list (only
 * the public head of struct link_map is read: l_addr, l_name, l_ld,
 * l_next).  Objects the list does not name keep their maps order, after. */
static size_t scope_order(struct proc *p, const struct object *objs, size_t nobjs, size_t *order)
{
	size_t n = 0;
	bool *used = xcalloc(nobjs, sizeof *used);
	uint64_t rdebug = nobjs && objs[0].is_exe ? find_r_debug(p, &objs[0]) : 0;
	uint64_t lm = 0;
	if (rdebug)
		mem_read(p, rdebug + offsetof(struct r_debug, r_map), &lm, sizeof lm);
	for (int guard = 0; lm && guard < 4096; guard++) {
		struct link_map entry;
		if (mem_read(p, lm, &entry, sizeof entry) < 0)
			break;
		uint64_t ld = (uint64_t)entry.l_ld;
		for (size_t i = 0; i < nobjs; i++)
			if (!used[i] && ld >= objs[i].lo && ld < objs[i].hi) {
				used[i] = true;
				order[n++] = i;
			}
		lm = (uint64_t)entry.l_next;
	}
	for (size_t i = 0; i < nobjs; i++)
		if (!used[i])
			order[n++] = i;
	free(used);
	return n;
}

int sym_global(struct proc *p, const struct object *objs, size_t nobjs, const char *name,
	       struct resolved *out)
{
	size_t *order = xcalloc(nobjs + 1, sizeof *order);
	size_t n = scope_order(p, objs, nobjs, order);
	int found = 0;
	for (size_t k = 0; k < n && !found; k++)
		found = sym_exported(&objs[order[k]], name, out);
	free(order);
	return found;
}

int sym_tls_offset(const struct resolved *r, int64_t *tpoff)
{
	if (!r->obj->is_exe)
		return err_set("thread-local variable of %s: only the executable's thread-local variables "
			       "can be reached from a patch in this version", r->obj->path);
	size_t nph = 0;
	elf_getphdrnum(r->obj->elf->elf, &nph);
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(r->obj->elf->elf, (int)i, &ph) || ph.p_type != PT_TLS)
			continue;
		/* x86-64 TLS variant II: the executable's block ends at the
		 * thread pointer, its size rounded up to its alignment. */
		uint64_t align = ph.p_align ? ph.p_align : 1;
		uint64_t block = (ph.p_memsz + align - 1) / align * align;
		*tpoff = (int64_t)r->addr - (int64_t)block;
		return 0;
	}
	return err_set("%s has no TLS segment", r->obj->path);
}
