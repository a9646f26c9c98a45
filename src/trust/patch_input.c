/* Reading a patch file safely: see patch_input.h. */
#include "trust/patch_input.h"
#include "common/error.h"
#include "common/input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int trust_check_owner(const char *path, const char *what, const struct stat *st)
{
	uid_t me = getuid();
	if (st->st_uid != 0 && st->st_uid != me)
		return err_set("%s: refusing a %s owned by uid %u; it must be owned by root%s "
			       "(chown root %s)", path, what, (unsigned)st->st_uid,
			       me ? " or by you" : "", path);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return err_set("%s: refusing a %s writable by %s; make it writable by its owner "
			       "only (chmod go-w %s)", path, what,
			       (st->st_mode & S_IWOTH) ? "everyone" : "its group", path);
	return 0;
}

/* Opens PATH without following a symbolic link, nor blocking on a FIFO. */
static int open_patch(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 && errno == ELOOP)
		return err_set("%s is a symbolic link; suture does not follow links to patches: "
			       "give the path of the patch itself", path);
	if (fd < 0)
		return err_set_errno("cannot open %s", path);
	return fd;
}

uint8_t *trust_read_patch(const char *path, size_t *image_len, struct suture_trailer *trailer)
{
	int fd = open_patch(path);
	if (fd < 0)
		return NULL;
	struct stat st;
	size_t len = 0;
	uint8_t *bytes = NULL;
	if (fstat(fd, &st) < 0)
		err_set_errno("cannot read %s", path);
	else if (!S_ISREG(st.st_mode))
		err_set("%s is %s; give a patch file", path, input_file_kind(st.st_mode));
	else if (trust_check_owner(path, "patch", &st) == 0)
		bytes = (uint8_t *)input_read_fd(fd, path, &st, &len);
	close(fd);
	if (bytes && trailer_check(path, bytes, len, image_len, trailer) < 0) {
		free(bytes);
		bytes = NULL;
	}
	return bytes;
}
