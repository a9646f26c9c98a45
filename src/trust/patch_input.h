/* Reading a patch file the way a tool running as root must (docs/trust.md):
 *
 *   - PATH itself must not be a symbolic link (O_NOFOLLOW): a link another
 *     user planted cannot point suture at a file of their choosing;
 *   - the file must be owned by root or by the user running suture, and
 *     writable by neither its group nor others: whoever can write a patch
 *     can run code in every process it is applied to;
 *   - it must be a regular file (a FIFO or device is refused at once);
 *   - it is read into suture's memory once, before anything is checked,
 *     so that nothing a writer does afterwards can change what is used;
 *   - its trailer's checksum must match (trust/trailer.h). */
#ifndef SUTURE_TRUST_PATCH_INPUT_H
#define SUTURE_TRUST_PATCH_INPUT_H

#include "trust/trailer.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

/* The bytes of the patch PATH, checked as above; *IMAGE_LEN gets the size
 * of its ELF image (the bytes before the trailer), TRAILER a copy of the
 * trailer.  NULL with err_set() on failure; free() the result. */
uint8_t *trust_read_patch(const char *path, size_t *image_len, struct suture_trailer *trailer);

/* The ownership and mode rule above for a file with fstat ST, named PATH
 * and described as WHAT ("patch", "public key") in messages. */
int trust_check_owner(const char *path, const char *what, const struct stat *st);

#endif
