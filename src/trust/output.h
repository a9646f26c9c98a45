/* Where suture may write a file it makes (a patch, a signed patch).
 *
 * Outputs are written to a temporary file beside them and renamed into
 * place, so a reader never sees half a patch.  Renaming over a device node
 * or a FIFO would replace it (`-o /dev/full` as root replaced the device
 * with a regular file), so only a new path or an existing regular file is
 * accepted. */
#ifndef SUTURE_TRUST_OUTPUT_H
#define SUTURE_TRUST_OUTPUT_H

#include <stddef.h>

/* 0 when PATH does not exist or is a regular file; else -1, err_set(). */
int output_check_path(const char *path);

/* A temporary file beside PATH (which must pass output_check_path()),
 * mode 0644, open for reading and writing; *TMP gets its name.  -1 with
 * err_set() on failure. */
int output_temp(const char *path, char **tmp);

/* Closes FD and, when RET is 0, renames TMP over PATH; else removes TMP.
 * Frees TMP.  Returns RET, or -1 with err_set() when closing or renaming
 * failed. */
int output_finish(int fd, char *tmp, const char *path, int ret);

/* Replaces (or creates) PATH with the LEN bytes of DATA, mode 0644. */
int output_write_file(const char *path, const void *data, size_t len);

#endif
