/* References the target cannot give: see reach.h. */
#include "build/reach.h"
#include "common/error.h"
#include "common/util.h"
#include "patchfile/patchread.h"
#include "runtime/extern_data.h"

#include <stdlib.h>
#include <string.h>

/* Does FILE define a symbol NAME, in .symtab or .dynsym (a copy
 * relocation's variable is defined in the executable's .dynsym)? */
static bool defines(struct elf_file *file, const char *name)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(file->elf, scn))) {
		GElf_Shdr sh;
		if (!elf_file_shdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) ||
		    sh.sh_entsize == 0)
			continue;
		Elf_Data *data = elf_file_data(scn);
		size_t n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 1; data && i < n; i++) {
			GElf_Sym sym;
			const char *sname;
			if (gelf_getsym(data, (int)i, &sym) && sym.st_shndx != SHN_UNDEF &&
			    (sname = elf_strptr(file->elf, sh.sh_link, sym.st_name)) &&
			    strcmp(sname, name) == 0)
				return true;
		}
	}
	return false;
}

/* Is FILE a program (a shared library's patch lies near the other
 * libraries, an executable's more than 2 GB from all of them)? */
static bool is_program(struct elf_file *file)
{
	if (file->ehdr.e_type == ET_EXEC)
		return true;
	size_t nph = 0;
	elf_getphdrnum(file->elf, &nph);
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(file->elf, (int)i, &ph) && ph.p_type == PT_INTERP)
			return true;
	}
	return false;
}

static void refuse(struct build_session *s, const struct build_unit *u, const char *name,
		   char *reason, const char *way_out)
{
	struct build_report *r = s->report;
	r->refusals = xrealloc(r->refusals, (r->nrefusals + 1) * sizeof *r->refusals);
	r->refusals[r->nrefusals++] = (struct build_refusal){
		xstrdup(u->rec->source), xstrdup(name), reason, xstrdup(way_out) };
}

/* The name in the target of undefined symbol INDEX of the patch, or NULL
 * when it is one of the target's own locals (SUTURE_STATIC, or a static
 * of the unit), which the patch lies close enough to reach. */
static const char *global_name(const struct patch_file *pf, size_t index)
{
	for (uint32_t i = 0; i < pf->header->n_symbols; i++)
		if (pf->symbols[i].symbol == index)
			return pf->symbols[i].object == SUTURE_OBJECT_GLOBAL
			       ? patch_string(pf, pf->symbols[i].name) : NULL;
	return patch_symbol_name(pf, (uint32_t)index);
}

static bool is_tls_relocation(uint32_t type)
{
	switch (type) {
	case R_X86_64_GOTTPOFF: case R_X86_64_TPOFF32: case R_X86_64_TLSGD: case R_X86_64_TLSLD:
	case R_X86_64_DTPOFF32: case R_X86_64_GOTPC32_TLSDESC: case R_X86_64_TLSDESC_CALL:
		return true;
	}
	return false;
}

/* A thread-local variable the runtime can give: one of the program's own,
 * reached the initial-exec or local-exec way (the runtime computes its
 * thread-pointer offset from the program's TLS segment; a library's
 * lives in glibc's private link_map). */
static bool tls_reachable(const struct patch_file *pf, size_t index, uint32_t type,
			  struct elf_file *target)
{
	if (!is_program(target) || (type != R_X86_64_GOTTPOFF && type != R_X86_64_TPOFF32))
		return false;
	const char *name = global_name(pf, index);
	return !name || defines(target, name);
}

/* One relocation of code: a refusal when it reaches what the target
 * cannot give.  0, or -1 with err_set(). */
static int check_relocation(struct build_session *s, const struct build_unit *u,
			    const struct patch_file *pf, const GElf_Rela *rela,
			    const Elf_Data *bytes, const struct build_target *t, struct elf_file *target)
{
	uint32_t type = GELF_R_TYPE(rela->r_info);
	size_t index = GELF_R_SYM(rela->r_info);
	GElf_Sym sym;
	if (!elf_file_symbol(pf->ef, index, &sym))
		return 0;
	if (is_tls_relocation(type)) {
		if (tls_reachable(pf, index, type, target))
			return 0;
		const char *name = patch_symbol_name(pf, (uint32_t)index);
		refuse(s, u, name,
		       xasprintf("%s is a thread-local variable %s; suture's loader can reach only the "
				 "program's own thread-local variables", name,
				 is_program(target) ? "of another object" : "of a shared library"),
		       "reach it through a function of the object that defines it (the way errno "
		       "is reached through __errno_location), or a pointer the program already has");
		return 0;
	}
	if (type != R_X86_64_PC32 || sym.st_shndx != SHN_UNDEF || !is_program(target))
		return 0;
	const char *name = global_name(pf, index);
	if (!name || defines(target, name))
		return 0;
	char insn[32];
	int ok = extern_data_reroutable(bytes->d_buf, bytes->d_size, rela->r_offset, insn,
					sizeof insn);
	if (ok == 0)
		refuse(s, u, name,
		       xasprintf("%s is a variable of another object, which %s has no copy of, more "
				 "than 2 GB from the patch; the new code reaches it PC-relatively in a "
				 "'%s' that is neither a load nor a lea, the only uses suture's loader "
				 "can reroute", name, t->name, insn),
		       EXTERN_DATA_WAY_OUT);
	return ok < 0 ? -1 : 0;
}

/* Each relocation of code section RELA_SCN's target. */
static int check_section(struct build_session *s, const struct build_unit *u,
			 const struct patch_file *pf, Elf_Scn *rela_scn, const struct build_target *t,
			 struct elf_file *target)
{
	GElf_Shdr sh, code_sh;
	Elf_Scn *code = NULL;
	if (!elf_file_shdr(rela_scn, &sh) || sh.sh_type != SHT_RELA || sh.sh_entsize == 0 ||
	    !(code = elf_getscn(pf->ef->elf, sh.sh_info)) || !elf_file_shdr(code, &code_sh) ||
	    !(code_sh.sh_flags & SHF_EXECINSTR))
		return 0;
	Elf_Data *relas = elf_file_data(rela_scn), *bytes = elf_file_data(code);
	size_t n = sh.sh_size / sh.sh_entsize;
	int ret = 0;
	for (size_t i = 0; ret == 0 && relas && bytes && i < n; i++) {
		GElf_Rela rela;
		if (gelf_getrela(relas, (int)i, &rela))
			ret = check_relocation(s, u, pf, &rela, bytes, t, target);
	}
	return ret;
}

int reach_check(struct build_session *s, const struct build_unit *u, const char *part)
{
	struct patch_file *patch = patch_file_open(part);
	if (!patch)
		return -1;
	int ret = 0;
	for (size_t t = 0; ret == 0 && t < s->ntargets; t++) {
		if (!(u->targets & (1ul << t)))
			continue;
		struct elf_file *target = s->targets[t].file;
		Elf_Scn *scn = NULL;
		while (ret == 0 && (scn = elf_nextscn(patch->ef->elf, scn)))
			ret = check_section(s, u, patch, scn, &s->targets[t], target);
	}
	patch_file_close(patch);
	return ret;
}
