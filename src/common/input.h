/* Reading an input file safely, whole, into suture's own memory.
 *
 * Every file suture reads (objects, executables, archives, patches, dumps)
 * comes through here, so that none of its readers ever sees a FIFO, a
 * device or a file that shrinks under it:
 *   - the file is opened non-blocking, so a FIFO cannot hang the open;
 *   - anything but a regular file is refused at once;
 *   - its bytes are copied into a private buffer with read(): no shared
 *     mapping, so a file truncated meanwhile cannot raise SIGBUS; a file
 *     that changes size while it is read is refused. */
#ifndef SUTURE_COMMON_INPUT_H
#define SUTURE_COMMON_INPUT_H

#include <stddef.h>
#include <sys/stat.h>

/* Reads the regular file open on FD (named PATH in messages), whose fstat
 * is ST, into a new buffer with one NUL byte after the end.  *LEN gets its
 * size.  NULL with err_set() on failure.  Does not close FD. */
char *input_read_fd(int fd, const char *path, const struct stat *st, size_t *len);

/* Opens (following symlinks) and reads PATH as above. */
char *input_read(const char *path, size_t *len);

/* "a FIFO", "a directory", ...: what a non-regular file is, for messages. */
const char *input_file_kind(mode_t mode);

#endif
