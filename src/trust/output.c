/* Writing outputs without replacing special files: see output.h. */
#include "trust/output.h"
#include "common/error.h"
#include "common/input.h"
#include "common/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int output_check_path(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : err_set_errno("cannot write %s", path);
	if (!S_ISREG(st.st_mode))
		return err_set("%s is %s; suture writes only to a new path or a regular file, "
			       "which it replaces: give another output path", path,
			       input_file_kind(st.st_mode));
	return 0;
}

int output_temp(const char *path, char **tmp)
{
	if (output_check_path(path) < 0)
		return -1;
	*tmp = xasprintf("%s.tmpXXXXXX", path);
	int fd = mkstemp(*tmp);
	if (fd < 0 || fchmod(fd, 0644) < 0) {
		err_set_errno("cannot create %s", path);
		if (fd >= 0) {
			close(fd);
			unlink(*tmp);
		}
		free(*tmp);
		return -1;
	}
	return fd;
}

int output_finish(int fd, char *tmp, const char *path, int ret)
{
	if (close(fd) < 0 && ret == 0)
		ret = err_set_errno("cannot write %s", path);
	if (ret == 0 && rename(tmp, path) < 0)
		ret = err_set_errno("cannot create %s", path);
	if (ret < 0)
		unlink(tmp);
	free(tmp);
	return ret;
}

int output_write_file(const char *path, const void *data, size_t len)
{
	char *tmp;
	int fd = output_temp(path, &tmp);
	if (fd < 0)
		return -1;
	int ret = 0;
	if (write(fd, data, len) != (ssize_t)len)
		ret = err_set_errno("cannot write %s", path);
	return output_finish(fd, tmp, path, ret);
}
