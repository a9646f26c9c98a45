/* What a patch must be before the store keeps it. */
#ifndef SUTURE_STORE_VERIFY_H
#define SUTURE_STORE_VERIFY_H

#include "patchfile/patchread.h"

/* The file itself: a regular file, owned by root or the invoking user and
 * writable by nobody else (the rule `suture apply` follows as root).
 * 0, or -1 with err_set() naming PATH. */
int store_verify_file(const char *path);
/* The patch: read whole by the patch-file reader (done by the caller:
 * PF), a name usable in the store, at least one function, and target
 * objects that name their build (unless BINDING, the build install binds
 * it to).  The place where a signature check joins (see the comment in
 * verify.c).  0, or -1 with err_set(). */
int store_verify_patch(const struct patch_file *pf, const char *path, bool binding);

#endif
