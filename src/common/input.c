/* Reading an input file safely: see input.h. */
#include "common/input.h"
#include "common/error.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* Larger inputs are refused rather than risking an allocation failure
 * (the largest debug executables are a few hundred megabytes). */
#define INPUT_MAX_BYTES ((size_t)4 << 30)

const char *input_file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return "a directory";
	case S_IFIFO: return "a FIFO";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	case S_IFSOCK: return "a socket";
	case S_IFLNK: return "a symbolic link";
	}
	return "not a regular file";
}

/* Reads exactly SIZE bytes; a short file means it shrank meanwhile. */
static int read_exactly(int fd, const char *path, char *buf, size_t size)
{
	size_t done = 0;
	while (done < size) {
		ssize_t n = read(fd, buf + done, size - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set_errno("cannot read %s", path);
		if (n == 0)
			return err_set("%s shrank while it was being read; read it again once "
				       "nothing writes to it", path);
		done += (size_t)n;
	}
	char extra;
	ssize_t n = read(fd, &extra, 1);
	if (n > 0)
		return err_set("%s grew while it was being read; read it again once "
			       "nothing writes to it", path);
	return 0;
}

char *input_read_fd(int fd, const char *path, const struct stat *st, size_t *len)
{
	if (!S_ISREG(st->st_mode)) {
		err_set("%s is %s; give a regular file", path, input_file_kind(st->st_mode));
		return NULL;
	}
	if ((uint64_t)st->st_size > INPUT_MAX_BYTES) {
		err_set("%s is larger than %zu bytes; suture does not read such files", path,
			INPUT_MAX_BYTES);
		return NULL;
	}
	size_t size = (size_t)st->st_size;
	char *buf = xmalloc(size + 1);
	if (read_exactly(fd, path, buf, size) < 0) {
		free(buf);
		return NULL;
	}
	buf[size] = '\0';
	*len = size;
	return buf;
}

char *input_read(const char *path, size_t *len)
{
	/* O_NONBLOCK: opening a FIFO for reading must not wait for a writer. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		err_set_errno("cannot open %s", path);
		return NULL;
	}
	struct stat st;
	char *buf = NULL;
	if (fstat(fd, &st) < 0)
		err_set_errno("cannot read %s", path);
	else
		buf = input_read_fd(fd, path, &st, len);
	close(fd);
	return buf;
}
