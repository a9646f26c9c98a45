/* What a patch must be before the store keeps it: the file's ownership,
 * the patch-file reader's full validation, a name, and a target build. */
#include "store/store.h"
#include "store/verify.h"
#include "common/error.h"

#include <sys/stat.h>
#include <unistd.h>

int store_verify_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return err_set_errno("cannot read patch '%s'", path);
	if (!S_ISREG(st.st_mode))
		return err_set("patch '%s' is not a regular file", path);
	if (st.st_uid != 0 && st.st_uid != getuid())
		return err_set("patch '%s' is owned by user %u, neither root nor you: "
			       "chown it (as root) if you trust it", path, (unsigned)st.st_uid);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return err_set("patch '%s' is writable by others than its owner: "
			       "run 'chmod go-w %s' if you trust its content", path, path);
	return 0;
}

int store_verify_patch(const struct patch_file *pf, const char *path, bool binding)
{
	const char *name = patch_string(pf, pf->header->name);
	if (store_check_name(name) < 0)
		return err_prefix("patch '%s'", path);
	if (pf->header->n_funcs == 0)
		return err_set("patch '%s' replaces no function: nothing to install", path);
	for (uint32_t i = 0; i < pf->header->n_objects; i++) {
		if (pf->objects[i].build_id_len > 0)
			continue;
		if (!binding)
			return err_set("patch '%s' does not name the build it is for: pass --target FILE "
				       "(the program or library it was made for)", path);
		if (pf->header->n_objects > 1)
			return err_set("patch '%s' has %u target objects without a build-id; "
				       "--target binds only a patch of one object", path, pf->header->n_objects);
	}
	/* Signatures: when patches carry them (suture build --sign), the
	 * check that the signer's key is trusted belongs here, so that no
	 * unsigned patch ever reaches the store when the policy asks for
	 * signatures. */
	return 0;
}
