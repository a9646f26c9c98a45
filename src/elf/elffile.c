#include "elf/elffile.h"
#include "common/error.h"
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
	ef->fd = -1;
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
	ef->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ef->fd < 0) {
		err_set_errno("cannot open %s", path);
		elf_file_close(ef);
		return NULL;
	}
	return elf_file_finish(ef, elf_begin(ef->fd, ELF_C_READ_MMAP, NULL));
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
	if (ef->fd >= 0)
		close(ef->fd);
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
