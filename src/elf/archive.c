/* Reading a static archive's members: see archive.h. */
#include "elf/archive.h"
#include "common/error.h"
#include "common/util.h"

#include <ar.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool ar_is_archive(const char *path)
{
	/* non-blocking, and only a regular file: a FIFO or a device is not
	 * waited on here but refused by the reader that opens it next */
	char magic[SARMAG];
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat st;
	bool is_ar = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		     read(fd, magic, SARMAG) == SARMAG && memcmp(magic, ARMAG, SARMAG) == 0;
	close(fd);
	return is_ar;
}

/* The ar format's own tables: the symbol index ("/", "/SYM64/") and the
 * long name table ("//"), which libelf lists as members too. */
static bool is_index(const char *name)
{
	return name[0] == '/' || name[0] == '\0';
}

/* Appends member M (a libelf handle inside the archive) to the list. */
static int copy_member(const char *path, Elf *m, struct ar_member **members, size_t *count)
{
	Elf_Arhdr *hdr = elf_getarhdr(m);
	if (!hdr || !hdr->ar_name)
		return err_set("%s: unreadable member header (%s); is the archive truncated?",
			       path, elf_errmsg(-1));
	if (is_index(hdr->ar_name))
		return 0;
	size_t size = 0;
	char *raw = elf_rawfile(m, &size);
	if (!raw && size)
		return err_set("%s: member %s is unreadable (%s)", path, hdr->ar_name, elf_errmsg(-1));
	*members = xrealloc(*members, (*count + 1) * sizeof **members);
	struct ar_member *out = &(*members)[(*count)++];
	out->name = xstrdup(hdr->ar_name);
	out->size = size;
	out->image = xmalloc(size ? size : 1);
	memcpy(out->image, raw, size);
	return 0;
}

int ar_read_members(const char *path, struct ar_member **members, size_t *count)
{
	*members = NULL;
	*count = 0;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return err_set("libelf is too old for this program");
	/* ELF_C_READ: libelf reads the archive into its memory with read(),
	 * no mapping that a truncation could turn into SIGBUS (a FIFO never
	 * gets here: ar_is_archive() said no) */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set_errno("cannot open %s", path);
	Elf *ar = elf_begin(fd, ELF_C_READ, NULL);
	int ret = 0;
	if (!ar || elf_kind(ar) != ELF_K_AR)
		ret = err_set("%s is not a static archive (%s)", path, elf_errmsg(-1));
	Elf_Cmd cmd = ELF_C_READ;
	Elf *m;
	while (ret == 0 && (m = elf_begin(fd, cmd, ar))) {
		ret = copy_member(path, m, members, count);
		cmd = elf_next(m);
		elf_end(m);
	}
	if (ar)
		elf_end(ar);
	close(fd);
	if (ret < 0) {
		ar_free_members(*members, *count);
		*members = NULL;
		*count = 0;
	}
	return ret;
}

void ar_free_members(struct ar_member *members, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(members[i].name);
		free(members[i].image);
	}
	free(members);
}
