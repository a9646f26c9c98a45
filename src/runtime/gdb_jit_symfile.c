/* Writing the ELF object of gdb_jit_symfile.h with libelf.
 *
 * An ET_EXEC file: gdb takes every section's sh_addr as its address and
 * every symbol's st_value as absolute, so nothing needs relocating. */
#include "runtime/gdb_jit_symfile.h"
#include "common/error.h"
#include "common/util.h"

#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum { SEC_SHSTRTAB = 1, SEC_STRTAB, SEC_SYMTAB, SEC_TEXT, SEC_EH_FRAME };
static const char section_names[] = "\0.shstrtab\0.strtab\0.symtab\0.text\0.eh_frame";

static size_t name_offset(const char *name)
{
	for (size_t off = 1; off < sizeof section_names; off += strlen(section_names + off) + 1)
		if (strcmp(section_names + off, name) == 0)
			return off;
	return 0;
}

static bool add_section(Elf *elf, const char *name, GElf_Shdr sh, void *buf, size_t size, Elf_Type type)
{
	Elf_Scn *scn = elf_newscn(elf);
	Elf_Data *d = scn ? elf_newdata(scn) : NULL;
	if (!d)
		return false;
	d->d_buf = buf;
	d->d_size = size;
	d->d_type = type;
	d->d_align = sh.sh_addralign ? sh.sh_addralign : 1;
	sh.sh_name = (GElf_Word)name_offset(name);
	return gelf_update_shdr(scn, &sh) != 0;
}

/* .strtab and .symtab for the functions: every one global, STT_FUNC, in .text. */
static void make_symbols(const struct jit_symfile *sf, char **strtab, size_t *strsize,
			 Elf64_Sym **syms, size_t *nsyms)
{
	*strsize = 1;
	for (size_t i = 0; i < sf->nfuncs; i++)
		*strsize += strlen(sf->funcs[i].name) + 1;
	*strtab = xcalloc(*strsize, 1);
	*syms = xcalloc(sf->nfuncs + 1, sizeof **syms);
	*nsyms = sf->nfuncs + 1;
	size_t off = 1;
	for (size_t i = 0; i < sf->nfuncs; i++) {
		Elf64_Sym *s = &(*syms)[i + 1];
		s->st_name = (Elf64_Word)off;
		s->st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
		s->st_shndx = SEC_TEXT;
		s->st_value = sf->funcs[i].addr;
		s->st_size = sf->funcs[i].size;
		strcpy(*strtab + off, sf->funcs[i].name);
		off += strlen(sf->funcs[i].name) + 1;
	}
}

static bool write_sections(Elf *elf, const struct jit_symfile *sf, char *strtab, size_t strsize,
			   Elf64_Sym *syms, size_t nsyms)
{
	GElf_Shdr strs = { .sh_type = SHT_STRTAB, .sh_addralign = 1 };
	GElf_Shdr symtab = { .sh_type = SHT_SYMTAB, .sh_link = SEC_STRTAB, .sh_info = 1,
			     .sh_entsize = sizeof(Elf64_Sym), .sh_addralign = 8 };
	GElf_Shdr text = { .sh_type = SHT_NOBITS, .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
			   .sh_addr = sf->text_addr, .sh_addralign = 16 };
	GElf_Shdr eh = { .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC, .sh_addr = sf->eh_addr,
			 .sh_addralign = 8 };
	bool ok = add_section(elf, ".shstrtab", strs, (void *)section_names, sizeof section_names, ELF_T_BYTE) &&
		  add_section(elf, ".strtab", strs, strtab, strsize, ELF_T_BYTE) &&
		  add_section(elf, ".symtab", symtab, syms, nsyms * sizeof *syms, ELF_T_SYM) &&
		  add_section(elf, ".text", text, NULL, sf->text_size, ELF_T_BYTE);
	if (ok && sf->eh_bytes)
		ok = add_section(elf, ".eh_frame", eh, (void *)sf->eh_bytes, sf->eh_size, ELF_T_BYTE);
	return ok;
}

static bool write_elf(int fd, const struct jit_symfile *sf)
{
	Elf *elf = elf_begin(fd, ELF_C_WRITE, NULL);
	GElf_Ehdr eh;
	if (!elf || !gelf_newehdr(elf, ELFCLASS64) || !gelf_getehdr(elf, &eh)) {
		elf_end(elf);
		return false;
	}
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_shstrndx = SEC_SHSTRTAB;
	char *strtab;
	Elf64_Sym *syms;
	size_t strsize, nsyms;
	make_symbols(sf, &strtab, &strsize, &syms, &nsyms);
	bool ok = gelf_update_ehdr(elf, &eh) && write_sections(elf, sf, strtab, strsize, syms, nsyms) &&
		  elf_update(elf, ELF_C_WRITE) >= 0;
	elf_end(elf);
	free(strtab);
	free(syms);
	return ok;
}

int jit_symfile_build(const struct jit_symfile *sf, uint8_t **out, size_t *len)
{
	elf_version(EV_CURRENT);
	int fd = memfd_create("suture-gdb-jit", MFD_CLOEXEC);
	if (fd < 0)
		return err_set_errno("cannot create the gdb symbol file");
	struct stat st;
	bool ok = write_elf(fd, sf) && fstat(fd, &st) == 0 && st.st_size > 0;
	if (ok) {
		*len = (size_t)st.st_size;
		*out = xmalloc(*len);
		ok = pread(fd, *out, *len, 0) == (ssize_t)*len;
		if (!ok)
			free(*out);
	}
	close(fd);
	return ok ? 0 : err_set("cannot write the gdb symbol file: %s", elf_errmsg(-1));
}
