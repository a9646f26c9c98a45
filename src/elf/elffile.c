#include "elf/elffile.h"
#include "common/error.h"
#include "common/input.h"
#include "common/util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool libelf_ready(void)
{
	static bool ready;
	if (!ready)
		ready = elf_version(EV_CURRENT) != EV_NONE;
	return ready;
}

/* The section header table and every section's bytes lie inside the file:
 * libelf trusts e_shoff, e_shnum and sh_offset, and a damaged header would
 * otherwise send readers past the end of the image. */
static int check_layout(struct elf_file *ef)
{
	size_t file_size = 0, nsections = 0;
	if (!elf_rawfile(ef->elf, &file_size) || elf_getshdrnum(ef->elf, &nsections) != 0)
		return err_set("%s: unreadable section headers (%s); is the file truncated?",
			       ef->path, elf_errmsg(-1));
	if (nsections == 0 && ef->ehdr.e_shoff != 0)
		return err_set("%s: its section header table at offset %#llx cannot be read; is the "
			       "file truncated or damaged?", ef->path, (unsigned long long)ef->ehdr.e_shoff);
	if (nsections && (ef->ehdr.e_shentsize != sizeof(Elf64_Shdr) ||
			  ef->ehdr.e_shoff > file_size ||
			  nsections > (file_size - ef->ehdr.e_shoff) / sizeof(Elf64_Shdr)))
		return err_set("%s: its section header table (%zu entries at offset %#llx) runs "
			       "past the end of the file (%zu bytes); is the file truncated or damaged?",
			       ef->path, nsections, (unsigned long long)ef->ehdr.e_shoff, file_size);
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			return err_set("%s: unreadable section header %zu", ef->path, elf_ndxscn(scn));
		if (sh.sh_type == SHT_NOBITS || sh.sh_type == SHT_NULL)
			continue;
		if (sh.sh_offset > file_size || sh.sh_size > file_size - sh.sh_offset)
			return err_set("%s: section %zu runs past the end of the file; is the file "
				       "truncated or damaged?", ef->path, elf_ndxscn(scn));
	}
	return 0;
}

/* Checks and caches what every caller needs; frees nothing on failure. */
static int elf_file_init(struct elf_file *ef)
{
	if (elf_kind(ef->elf) != ELF_K_ELF)
		return err_set("%s is not an ELF file", ef->path);
	if (!gelf_getehdr(ef->elf, &ef->ehdr))
		return err_set("%s: unreadable ELF header (%s); is the file truncated?",
			       ef->path, elf_errmsg(-1));
	if (ef->ehdr.e_ident[EI_CLASS] != ELFCLASS64 || ef->ehdr.e_machine != EM_X86_64)
		return err_set("%s is not an x86-64 ELF64 file; suture handles x86-64 only", ef->path);
	if (check_layout(ef) < 0)
		return -1;
	if (elf_getshdrstrndx(ef->elf, &ef->shstrndx) != 0)
		return err_set("%s: no section name table (%s)", ef->path, elf_errmsg(-1));

	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr shdr;
		if (gelf_getshdr(scn, &shdr) && shdr.sh_type == SHT_SYMTAB) {
			ef->symtab = scn;
			ef->symdata = elf_getdata(scn, NULL);
			if (!ef->symdata || shdr.sh_entsize == 0)
				return err_set("%s: unreadable symbol table; is the file truncated?", ef->path);
			ef->nsyms = shdr.sh_size / shdr.sh_entsize;
			ef->symstrndx = shdr.sh_link;
			break;
		}
	}
	return 0;
}

/* A new elf_file for PATH (or NAME), with no ELF handle yet. */
static struct elf_file *elf_file_new(const char *path)
{
	struct elf_file *ef = xcalloc(1, sizeof *ef);
	ef->path = xstrdup(path);
	return ef;
}

/* Takes the libelf handle (NULL when elf_begin/elf_memory failed), checks
 * it and returns EF; on failure closes EF and returns NULL. */
static struct elf_file *elf_file_finish(struct elf_file *ef, Elf *elf)
{
	ef->elf = elf;
	if (!elf)
		err_set("%s: cannot read as ELF (%s)", ef->path, elf_errmsg(-1));
	if (!elf || elf_file_init(ef) < 0) {
		elf_file_close(ef);
		return NULL;
	}
	return ef;
}

struct elf_file *elf_file_open(const char *path)
{
	if (!libelf_ready()) {
		err_set("libelf is too old for this program");
		return NULL;
	}
	struct elf_file *ef = elf_file_new(path);
	/* The bytes are copied into suture's memory, never mapped: a file
	 * truncated while it is read cannot raise SIGBUS (common/input.h). */
	ef->image = input_read(path, &ef->image_size);
	if (!ef->image) {
		elf_file_close(ef);
		return NULL;
	}
	return elf_file_finish(ef, elf_memory(ef->image, ef->image_size));
}

struct elf_file *elf_file_open_memory(const char *name, void *image, size_t size)
{
	if (!libelf_ready()) {
		err_set("libelf is too old for this program");
		return NULL;
	}
	return elf_file_finish(elf_file_new(name), elf_memory(image, size));
}

void elf_file_close(struct elf_file *ef)
{
	if (!ef)
		return;
	if (ef->elf)
		elf_end(ef->elf);
	free(ef->image);
	free(ef->path);
	free(ef);
}

const char *elf_file_section_name(struct elf_file *ef, Elf_Scn *scn)
{
	GElf_Shdr shdr;
	if (!gelf_getshdr(scn, &shdr))
		return NULL;
	return elf_strptr(ef->elf, ef->shstrndx, shdr.sh_name);
}

Elf_Scn *elf_file_section(struct elf_file *ef, const char *name)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(ef->elf, scn))) {
		const char *n = elf_file_section_name(ef, scn);
		if (n && strcmp(n, name) == 0)
			return scn;
	}
	return NULL;
}

bool elf_file_shdr(Elf_Scn *scn, GElf_Shdr *shdr)
{
	return gelf_getshdr(scn, shdr) != NULL;
}

Elf_Data *elf_file_data(Elf_Scn *scn)
{
	GElf_Shdr shdr;
	if (!gelf_getshdr(scn, &shdr) || shdr.sh_type == SHT_NOBITS)
		return NULL;
	return elf_getdata(scn, NULL);
}

bool elf_file_symbol(struct elf_file *ef, size_t index, GElf_Sym *sym)
{
	if (!ef->symdata || index >= ef->nsyms)
		return false;
	return gelf_getsym(ef->symdata, (int)index, sym) != NULL;
}

const char *elf_file_symbol_name(struct elf_file *ef, const GElf_Sym *sym)
{
	const char *name = elf_strptr(ef->elf, ef->symstrndx, sym->st_name);
	return name ? name : "";
}

size_t elf_file_build_id(struct elf_file *ef, uint8_t *out, size_t outsize)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr shdr;
		if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_NOTE)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		GElf_Nhdr nhdr;
		size_t off = 0, name_off, desc_off;
		while ((off = gelf_getnote(data, off, &nhdr, &name_off, &desc_off)) > 0) {
			const char *owner = (const char *)data->d_buf + name_off;
			if (nhdr.n_type == NT_GNU_BUILD_ID && nhdr.n_namesz == 4 &&
			    memcmp(owner, "GNU", 4) == 0) {
				size_t len = nhdr.n_descsz < outsize ? nhdr.n_descsz : outsize;
				memcpy(out, (const char *)data->d_buf + desc_off, len);
				return len;
			}
		}
	}
	return 0;
}

void build_id_to_hex(const uint8_t *id, size_t len, char *hex)
{
	for (size_t i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", id[i]);
	hex[2 * len] = '\0';
}
