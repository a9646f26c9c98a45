/* Placing a patch's sections and applying its relocations. */
#include "runtime/loader.h"
#include "runtime/inject.h"
#include "runtime/extern_data.h"
#include "runtime/shadow.h"
#include "common/error.h"
#include "common/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096ull
#define ALIGN_UP(x, a) (((x) + (a) - 1) / (a) * (a))
#define STUB_SIZE 8     /* ff 25 rel32 + 2 bytes of int3 */
#define GOT_ENTRY 16    /* the address, then the TLS offset */

/* Sections that are not loaded: the records, the padding records,
 * constructors (not run).  .eh_frame is, in a place of its own (see
 * layout_eh_frame). */
static bool section_is_loaded(const char *name, const GElf_Shdr *sh)
{
	if (!(sh->sh_flags & SHF_ALLOC))
		return false;
	static const char *skip[] = { ".suture", ".note", "__patchable_function_entries",
				      ".init_array", ".fini_array", ".ctors", ".dtors", ".group" };
	for (size_t i = 0; i < ARRAY_SIZE(skip); i++)
		if (str_starts_with(name, skip[i]))
			return false;
	return true;
}

static bool is_eh_frame(const char *name)
{
	return strcmp(name, ".eh_frame") == 0;
}

/* Every .eh_frame section (several after ld -r), back to back (each a
 * whole number of 8-byte aligned entries, so no gap) and ended by a zero
 * length word: the one table __register_frame and libdw read. */
static uint64_t layout_eh_frame(struct image *im, uint64_t off)
{
	struct elf_file *ef = im->pf->ef;
	off = ALIGN_UP(off, 8);
	im->eh_frame_off = off;
	for (size_t i = 1; i < im->nsecs; i++) {
		Elf_Scn *scn = elf_getscn(ef->elf, i);
		GElf_Shdr sh;
		const char *name;
		if (!scn || !gelf_getshdr(scn, &sh) || !(name = elf_file_section_name(ef, scn)) ||
		    !is_eh_frame(name) || sh.sh_type != SHT_PROGBITS)
			continue;
		off = ALIGN_UP(off, 8);
		im->sec_off[i] = off;
		off += sh.sh_size;
	}
	if (off == im->eh_frame_off) {
		im->eh_frame_off = 0;
		return off;
	}
	off += 4;   /* the terminator (the bytes are zeroed) */
	im->eh_frame_size = off - im->eh_frame_off;
	return off;
}

static void layout(struct image *im)
{
	struct elf_file *ef = im->pf->ef;
	elf_getshdrnum(ef->elf, &im->nsecs);
	im->sec_off = xcalloc(im->nsecs, sizeof *im->sec_off);
	for (size_t i = 0; i < im->nsecs; i++)
		im->sec_off[i] = UINT64_MAX;

	uint64_t off = HEADER_SIZE;
	im->slots_off = off;
	off += im->nslots * SLOT_SIZE;
	im->stubs_off = off;
	off += im->nsyms * STUB_SIZE;
	off = ALIGN_UP(off, 16);
	im->got_off = off;
	off += im->nsyms * GOT_ENTRY;
	/* pass 0: code; pass 1: read-only data; pass 2: writable data */
	for (int pass = 0; pass < 3; pass++) {
		if (pass == 2) {
			/* code sections are placed: count what may need rerouting */
			off = ALIGN_UP(off, 16);
			im->xstubs_off = off;
			im->nxstubs = extern_data_stub_count(im);
			off += im->nxstubs * EXTERN_STUB_SIZE;
			off = layout_eh_frame(im, off);
			im->code_size = ALIGN_UP(off, PAGE);
			off = im->code_size;
		}
		for (size_t i = 1; i < im->nsecs; i++) {
			Elf_Scn *scn = elf_getscn(ef->elf, i);
			GElf_Shdr sh;
			if (!scn || !gelf_getshdr(scn, &sh))
				continue;
			const char *name = elf_file_section_name(ef, scn);
			if (!name || !section_is_loaded(name, &sh) || is_eh_frame(name))
				continue;
			int kind = (sh.sh_flags & SHF_EXECINSTR) ? 0 : (sh.sh_flags & SHF_WRITE) ? 2 : 1;
			if (kind != pass)
				continue;
			uint64_t align = sh.sh_addralign ? sh.sh_addralign : 1;
			off = ALIGN_UP(off, align);
			im->sec_off[i] = off;
			off += sh.sh_size;
			if (pass == 2)
				im->has_data = true;
		}
	}
	im->size = ALIGN_UP(off, PAGE);
	if (!im->has_data)
		im->size = im->code_size;
}

/* Marks the symbols that some loaded section's relocations use. */
static int mark_referenced(struct image *im)
{
	struct elf_file *ef = im->pf->ef;
	for (size_t i = 1; i < im->nsecs; i++) {
		Elf_Scn *scn = elf_getscn(ef->elf, i);
		GElf_Shdr sh;
		if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA)
			continue;
		if (sh.sh_info >= im->nsecs || im->sec_off[sh.sh_info] == UINT64_MAX)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t r = 0; data && r < n; r++) {
			GElf_Rela rela;
			if (!gelf_getrela(data, (int)r, &rela))
				return err_set("%s: unreadable relocation %zu of section %zu", ef->path, r, i);
			size_t s = GELF_R_SYM(rela.r_info);
			if (s >= im->nsyms)
				return err_set("%s: relocation refers to symbol %zu, beyond the symbol table",
					       ef->path, s);
			im->syms[s].referenced = true;
		}
	}
	return 0;
}

static const struct suture_patch_symbol *symbol_record(const struct patch_file *pf, size_t index)
{
	for (uint32_t i = 0; i < pf->header->n_symbols; i++)
		if (pf->symbols[i].symbol == index)
			return &pf->symbols[i];
	return NULL;
}

static int resolve_undefined(struct image *im, struct proc *p, size_t index, const GElf_Sym *sym)
{
	const struct patch_file *pf = im->pf;
	const char *name = patch_symbol_name(pf, (uint32_t)index);
	const struct suture_patch_symbol *rec = symbol_record(pf, index);
	const char *file = NULL;
	struct resolved r;
	int found;
	if (rec && rec->name)
		name = patch_string(pf, rec->name);
	if (rec && rec->file)
		file = patch_string(pf, rec->file);
	if (!file && shadow_is_root_symbol(name)) {
		im->syms[index] = (struct image_sym){ .referenced = true, .resolved = true, .shadow_root = true };
		return 0;
	}
	if (rec && rec->object != SUTURE_OBJECT_GLOBAL) {
		const struct object *obj = im->bound[rec->object];
		found = sym_in_object(obj, name, file, &r);
		if (found == 0)
			return err_set("symbol '%s'%s%s%s is not in %s: the patch does not fit this build "
				       "(or the target was stripped: install it with its symbol table)",
				       name, file ? " (of " : "", file ? file : "", file ? ")" : "", obj->path);
	} else {
		found = sym_global(p, im->objs, im->nobjs, name, &r);
		if (found == 0) {
			/* a static of the target that the patch did not mark as such */
			for (size_t k = 0; k < im->nobjs && !found; k++)
				if (im->bound[0] == &im->objs[k])
					found = sym_in_object(&im->objs[k], name, NULL, &r);
		}
		if (found == 0) {
			if (GELF_ST_BIND(sym->st_info) == STB_WEAK) {
				im->syms[index] = (struct image_sym){ .referenced = true, .resolved = true };   /* a weak one: 0 */
				return 0;
			}
			return err_set("symbol '%s' is not defined by any object of process %d: load the library "
				       "that defines it first, or fix the patch", name, p->pid);
		}
	}
	if (found < 0)
		return -1;
	struct image_sym *is = &im->syms[index];
	is->foreign = im->serves && rec && rec->object != SUTURE_OBJECT_GLOBAL &&
		      !(im->serves >> rec->object & 1);
	is->resolved = true;
	is->value = r.addr;
	is->ifunc = r.type == STT_GNU_IFUNC;
	is->type = r.type;
	if (r.type == STT_TLS) {
		int64_t tpoff;
		if (sym_tls_offset(&r, &tpoff) < 0)
			return err_prefix("symbol '%s'", name);
		is->tls = true;
		is->value = (uint64_t)tpoff;
	}
	return 0;
}

int image_prepare(struct image *im, struct proc *p)
{
	struct elf_file *ef = im->pf->ef;
	im->nsyms = ef->nsyms;
	im->syms = xcalloc(im->nsyms + 1, sizeof *im->syms);
	layout(im);
	if (mark_referenced(im) < 0)
		return -1;
	for (size_t i = 1; i < im->nsyms; i++) {
		if (!im->syms[i].referenced)
			continue;
		GElf_Sym sym;
		elf_file_symbol(ef, i, &sym);
		if (sym.st_shndx == SHN_UNDEF) {
			if (resolve_undefined(im, p, i, &sym) < 0)
				return -1;
		} else if (sym.st_shndx == SHN_ABS) {
			im->syms[i].resolved = true;
			im->syms[i].value = sym.st_value;
		} else if (sym.st_shndx >= im->nsecs || im->sec_off[sym.st_shndx] == UINT64_MAX) {
			return err_set("%s: symbol '%s' lies in a section suture does not load", ef->path,
				       patch_symbol_name(im->pf, (uint32_t)i));
		} else if (GELF_ST_TYPE(sym.st_info) == STT_TLS) {
			return err_set("%s: the patch defines a thread-local variable ('%s'); new thread-local "
				       "variables cannot be added to a running process", ef->path,
				       patch_symbol_name(im->pf, (uint32_t)i));
		}
	}
	return 0;
}

/* Calls an IFUNC resolver in the process, the way the dynamic linker
 * would when binding the symbol. */
int image_resolve_ifuncs(struct image *im, struct proc *p, struct thread *t)
{
	for (size_t i = 1; i < im->nsyms; i++) {
		if (!im->syms[i].ifunc)
			continue;
		uint64_t addr;
		if (remote_call(p, t, im->syms[i].value, &addr) < 0)
			return err_prefix("resolving '%s'", patch_symbol_name(im->pf, (uint32_t)i));
		im->syms[i].value = addr;
		im->syms[i].ifunc = false;
	}
	return 0;
}

uint64_t image_symbol_addr(const struct image *im, uint32_t symndx)
{
	GElf_Sym sym;
	if (!elf_file_symbol(im->pf->ef, symndx, &sym))
		return 0;
	if (sym.st_shndx == SHN_UNDEF)
		return im->syms[symndx].value;
	if (sym.st_shndx == SHN_ABS)
		return sym.st_value;
	if (sym.st_shndx >= im->nsecs || im->sec_off[sym.st_shndx] == UINT64_MAX)
		return 0;
	return im->base + im->sec_off[sym.st_shndx] + (GELF_ST_TYPE(sym.st_info) == STT_SECTION ? 0 : sym.st_value);
}

int image_for_each_rela(const struct image *im, size_t sec,
			int (*fn)(const struct image *im, size_t target, const GElf_Rela *rela, void *arg),
			void *arg)
{
	struct elf_file *ef = im->pf->ef;
	for (size_t i = 1; i < im->nsecs; i++) {
		Elf_Scn *scn = elf_getscn(ef->elf, i);
		GElf_Shdr sh;
		if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA ||
		    sh.sh_info >= im->nsecs || im->sec_off[sh.sh_info] == UINT64_MAX ||
		    (sec && sh.sh_info != sec))
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t r = 0; data && r < n; r++) {
			GElf_Rela rela;
			int ret = gelf_getrela(data, (int)r, &rela) ? fn(im, sh.sh_info, &rela, arg) : 0;
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int refers_to_foreign(const struct image *im, size_t target, const GElf_Rela *rela,
			     void *seen);

/* Does section SEC, or a section it refers to (not yet in SEEN), refer
 * to a foreign symbol? */
static bool reaches_foreign(const struct image *im, size_t sec, bool *seen)
{
	seen[sec] = true;
	return image_for_each_rela(im, sec, refers_to_foreign, seen) != 0;
}

static int refers_to_foreign(const struct image *im, size_t target, const GElf_Rela *rela,
			     void *seen)
{
	GElf_Sym sym;
	size_t s = GELF_R_SYM(rela->r_info);
	if (s >= im->nsyms || !elf_file_symbol(im->pf->ef, s, &sym))
		return 0;
	if (im->syms[s].foreign)
		return 1;
	size_t to = sym.st_shndx;
	bool *visited = seen;
	return to && to < im->nsecs && im->sec_off[to] != UINT64_MAX && !visited[to] &&
	       reaches_foreign(im, to, visited);
}

bool image_runs_here(const struct image *im, uint32_t symndx)
{
	GElf_Sym sym;
	if (!im->serves || !elf_file_symbol(im->pf->ef, symndx, &sym) ||
	    sym.st_shndx == SHN_UNDEF || sym.st_shndx >= im->nsecs)
		return true;
	bool *seen = xcalloc(im->nsecs + 1, sizeof *seen);
	bool foreign = reaches_foreign(im, sym.st_shndx, seen);
	free(seen);
	return !foreign;
}

uint64_t image_slot_addr(const struct image *im, size_t i)
{
	return im->base + im->slots_off + i * SLOT_SIZE;
}

static bool fits_s32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

static void put32(uint8_t *at, int64_t v)
{
	int32_t x = (int32_t)v;
	memcpy(at, &x, 4);
}

/* The GOT entry of symbol S, filled in on first use. */
static uint64_t got_entry(struct image *im, size_t s, uint64_t value, bool tls)
{
	uint64_t off = im->got_off + s * GOT_ENTRY + (tls ? 8 : 0);
	memcpy(im->bytes + off, &value, 8);
	return im->base + off;
}

/* The stub `jmp *GOT(%rip)` of symbol S, for calls out of rel32 reach. */
static uint64_t stub_entry(struct image *im, size_t s, uint64_t target)
{
	uint64_t got = got_entry(im, s, target, false);
	uint64_t off = im->stubs_off + s * STUB_SIZE;
	uint8_t *at = im->bytes + off;
	at[0] = 0xff;
	at[1] = 0x25;
	put32(at + 2, (int64_t)(got - (im->base + off + 6)));
	at[6] = at[7] = 0xcc;
	return im->base + off;
}

/* Bytes a relocation type writes; 0 for types the loader does not know. */
static size_t field_size(uint32_t type)
{
	switch (type) {
	case R_X86_64_NONE:
		return 0;
	case R_X86_64_64:
	case R_X86_64_PC64:
		return 8;
	case R_X86_64_PC32: case R_X86_64_PLT32: case R_X86_64_32: case R_X86_64_32S:
	case R_X86_64_GOTPCREL: case R_X86_64_GOTPCRELX: case R_X86_64_REX_GOTPCRELX:
	case R_X86_64_TPOFF32: case R_X86_64_GOTTPOFF:
		return 4;
	}
	return 0;
}

/* What symbol S is, for a PC-relative reference that cannot reach it: code
 * (a call goes through a stub) or data.  For an undefined symbol it is
 * what its definition in the process says, not the patch's STT_NOTYPE. */
static bool is_code(const struct image *im, size_t s, uint32_t type)
{
	GElf_Sym sym;
	if (type == R_X86_64_PLT32)
		return true;
	if (!elf_file_symbol(im->pf->ef, s, &sym))
		return false;
	if (sym.st_shndx != SHN_UNDEF)
		return GELF_ST_TYPE(sym.st_info) == STT_FUNC;
	return im->syms[s].type == STT_FUNC || im->syms[s].type == STT_GNU_IFUNC;
}

/* A 4-byte field: written only when V fits (never truncated). */
static int put_s32_checked(uint8_t *at, int64_t v, const char *sname, const char *what)
{
	if (!fits_s32(v))
		return err_set("'%s': %s does not fit its 32-bit field (%" PRId64 "); the patch is "
			       "damaged or was built for another layout", sname, what, v);
	put32(at, v);
	return 0;
}

static int relocate_one(struct image *im, size_t sec, const GElf_Rela *rela, const GElf_Shdr *target_sh)
{
	size_t s = GELF_R_SYM(rela->r_info);
	uint32_t type = GELF_R_TYPE(rela->r_info);
	const char *sname = patch_symbol_name(im->pf, (uint32_t)s);
	size_t size = field_size(type);
	if (type == R_X86_64_NONE)
		return 0;
	if (size == 0)
		return err_set("%s: relocation type %u (for '%s') is not supported by suture's loader",
			       im->pf->ef->path, type, sname);
	if (rela->r_offset > target_sh->sh_size || size > target_sh->sh_size - rela->r_offset)
		return err_set("%s: relocation at 0x%" PRIx64 " lies outside its section",
			       im->pf->ef->path, rela->r_offset);
	uint64_t S = image_symbol_addr(im, (uint32_t)s);
	int64_t A = rela->r_addend;
	uint64_t P = im->base + im->sec_off[sec] + rela->r_offset;
	uint8_t *at = im->bytes + im->sec_off[sec] + rela->r_offset;
	bool tls = s < im->nsyms && im->syms[s].tls;
	int64_t v = 0;
	switch (type) {
	case R_X86_64_64:
		v = (int64_t)(S + A);
		memcpy(at, &v, 8);
		return 0;
	case R_X86_64_PC64:
		v = (int64_t)(S + A - P);
		memcpy(at, &v, 8);
		return 0;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
		v = (int64_t)(S + A - P);
		if (fits_s32(v))
			break;
		if (is_code(im, s, type)) {
			v = (int64_t)(stub_entry(im, s, S) + A - P);
			break;
		}
		if (s < im->nsyms && im->syms[s].foreign) {
			/* code for another copy's object, never run in this copy */
			put32(at, 0);
			return 0;
		}
		return extern_data_reroute(im, sec, target_sh, rela, S, sname);
	case R_X86_64_32:
		v = (int64_t)(S + A);
		if (v < 0 || v > UINT32_MAX)
			return err_set("'%s' does not fit a 32-bit absolute relocation; rebuild the patch with -fPIC",
				       sname);
		put32(at, v);
		return 0;
	case R_X86_64_32S:
		v = (int64_t)(S + A);
		if (!fits_s32(v))
			return err_set("'%s' does not fit a 32-bit absolute relocation; rebuild the patch with -fPIC",
				       sname);
		break;
	case R_X86_64_GOTPCREL:
	case R_X86_64_GOTPCRELX:
	case R_X86_64_REX_GOTPCRELX:
		v = (int64_t)(got_entry(im, s, S, false) + A - P);
		break;
	case R_X86_64_TPOFF32:
		if (!tls)
			return err_set("'%s' is used as a thread-local variable but is not one", sname);
		v = (int64_t)S + A;
		break;
	case R_X86_64_GOTTPOFF:
		if (!tls)
			return err_set("'%s' is used as a thread-local variable but is not one", sname);
		v = (int64_t)(got_entry(im, s, S, true) + A - P);
		break;
	}
	return put_s32_checked(at, v, sname, "its relocated value");
}

int image_relocate(struct image *im, uint64_t base)
{
	struct elf_file *ef = im->pf->ef;
	im->base = base;
	free(im->bytes);
	im->bytes = xcalloc(1, im->size);
	memset(im->bytes, 0xcc, im->code_size);
	memset(im->bytes, 0, HEADER_SIZE);   /* the gate, 0: old code */
	memset(im->bytes + im->got_off, 0, im->nsyms * GOT_ENTRY);
	if (im->eh_frame_size) {
		memset(im->bytes + im->eh_frame_off, 0, im->eh_frame_size);
		uint32_t where[2] = { (uint32_t)im->eh_frame_off, (uint32_t)im->eh_frame_size };
		memcpy(im->bytes + HEADER_EH_FRAME, where, sizeof where);
	}
	for (size_t i = 1; i < im->nsecs; i++) {
		if (im->sec_off[i] == UINT64_MAX)
			continue;
		Elf_Scn *scn = elf_getscn(ef->elf, i);
		GElf_Shdr sh;
		gelf_getshdr(scn, &sh);
		if (sh.sh_type == SHT_NOBITS) {
			memset(im->bytes + im->sec_off[i], 0, sh.sh_size);
			continue;
		}
		Elf_Data *data = elf_getdata(scn, NULL);
		if (data && data->d_buf && data->d_size <= sh.sh_size)
			memcpy(im->bytes + im->sec_off[i], data->d_buf, data->d_size);
	}
	for (size_t i = 1; i < im->nsecs; i++) {
		Elf_Scn *scn = elf_getscn(ef->elf, i);
		GElf_Shdr sh;
		if (!scn || !gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA)
			continue;
		size_t target = sh.sh_info;
		if (target >= im->nsecs || im->sec_off[target] == UINT64_MAX)
			continue;
		GElf_Shdr target_sh;
		gelf_getshdr(elf_getscn(ef->elf, target), &target_sh);
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t r = 0; data && r < n; r++) {
			GElf_Rela rela;
			gelf_getrela(data, (int)r, &rela);
			if (relocate_one(im, target, &rela, &target_sh) < 0)
				return -1;
		}
	}
	return 0;
}

void image_free(struct image *im)
{
	free(im->sec_off);
	free(im->syms);
	free(im->bytes);
	free(im->bound);
}
