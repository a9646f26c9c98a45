/* Binding a patch to the file of its target object, at install time. */
#ifndef SUTURE_STORE_TARGET_CHECK_H
#define SUTURE_STORE_TARGET_CHECK_H

#include "patchfile/patchread.h"

#include <stddef.h>
#include <stdint.h>

/* Is PF (one object) made for the file TARGET?  Its build-id when the
 * patch names one; and every old function must be in TARGET's symbols with
 * the size and the bytes the patch expects.  *ID gets TARGET's build-id
 * (at most 64 bytes, length in *ID_LEN).  0, or -1 with err_set(). */
int target_check(const struct patch_file *pf, const char *patch_path, const char *target,
		 uint8_t *id, size_t *id_len);

#endif
