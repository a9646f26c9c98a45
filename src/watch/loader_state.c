/* Where a process's dynamic loader is: its r_debug. */
#include "watch/loader_state.h"
#include "common/error.h"
#include "runtime/maps.h"

#include <elf.h>
#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

uint64_t auxv_value(pid_t pid, uint64_t type)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/auxv", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	Elf64_auxv_t av[64];
	ssize_t len = read(fd, av, sizeof av);
	close(fd);
	for (ssize_t i = 0; len > 0 && i < len / (ssize_t)sizeof av[0]; i++)
		if (av[i].a_type == type)
			return av[i].a_un.a_val;
	return 0;
}

/* st_value of NAME in the .dynsym of the ELF file FD, or 0. */
static uint64_t dynsym_value(int fd, const char *name)
{
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	uint64_t value = 0;
	for (Elf_Scn *scn = NULL; elf && !value && (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *s = gelf_getsym(d, (int)i, &sym) ? elf_strptr(elf, sh.sh_link, sym.st_name) : NULL;
			if (s && sym.st_shndx != SHN_UNDEF && strcmp(s, name) == 0) {
				value = sym.st_value;
				break;
			}
		}
	}
	elf_end(elf);
	return value;
}

int loader_find(pid_t pid, struct loader *ld)
{
	*ld = (struct loader){ .pid = pid };
	uint64_t base = auxv_value(pid, AT_BASE);
	if (!base)
		return 0;               /* statically linked: no loader to wait for */
	struct maps m;
	if (maps_read(pid, &m) < 0)
		return -1;
	const struct map *ldso = maps_find(&m, base);
	char path[128];
	if (ldso)
		snprintf(path, sizeof path, "/proc/%d/map_files/%llx-%llx", pid,
			 (unsigned long long)ldso->start, (unsigned long long)ldso->end);
	maps_free(&m);
	int fd = ldso ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		return err_set("process %d: cannot read its dynamic loader", pid);
	elf_version(EV_CURRENT);
	uint64_t value = dynsym_value(fd, "_r_debug");
	close(fd);
	if (!value)
		return err_set("process %d: its dynamic loader has no _r_debug", pid);
	ld->r_debug = base + value;
	return 0;
}

uint64_t loader_state_addr(const struct loader *ld)
{
	return ld->r_debug + offsetof(struct r_debug, r_state);
}

int loader_read(const struct loader *ld, struct loader_now *now)
{
	*now = (struct loader_now){ .started = true, .consistent = true };
	if (!ld->r_debug)
		return 0;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", ld->pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct r_debug r;
	ssize_t got = fd < 0 ? -1 : pread(fd, &r, sizeof r, (off_t)ld->r_debug);
	if (fd >= 0)
		close(fd);
	if (got != (ssize_t)sizeof r)
		return err_set_errno("process %d: cannot read its dynamic loader's state", ld->pid);
	now->started = r.r_version != 0;
	now->consistent = r.r_state == RT_CONSISTENT;
	return 0;
}
