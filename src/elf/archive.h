/* The members of a static archive (.a), read with libelf's ar support
 * (elf_begin on the archive, elf_next from member to member).
 *
 * Each member is copied out whole, so it can be opened as an ELF image in
 * memory (elf_file_open_memory) after the archive is closed.  The ar
 * format's own members (the symbol index "/", the long name table "//")
 * are left out. */
#ifndef SUTURE_ELF_ARCHIVE_H
#define SUTURE_ELF_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>

struct ar_member {
	char *name;      /* as the archive lists it (foo.o) */
	void *image;     /* its bytes (malloc'd) */
	size_t size;
};

/* True when PATH starts with the ar magic ("!<arch>\n"). */
bool ar_is_archive(const char *path);
/* Reads every member of archive PATH in order.  0, or -1 with err_set(). */
int ar_read_members(const char *path, struct ar_member **members, size_t *count);
void ar_free_members(struct ar_member *members, size_t count);

#endif
