/* Where the store is, what a patch may be called in it, and how an
 * entry is hidden and deleted. */
#include "store/store.h"
#include "common/error.h"
#include "common/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *store_dir(void)
{
	const char *dir = getenv("SUTURE_STORE");
	return dir && *dir ? dir : "/var/lib/suture";
}

char *store_entry_path(const char *name)
{
	return xasprintf("%s/%s", store_dir(), name);
}

char *store_patch_path(const char *name)
{
	return xasprintf("%s/%s/patch", store_dir(), name);
}

char *store_target_path(const char *name)
{
	return xasprintf("%s/%s/target", store_dir(), name);
}

static char *hidden_dir(const char *name)
{
	return xasprintf("%s/.%s.removing", store_dir(), name);
}

char *store_hidden_path(const char *name)
{
	return xasprintf("%s/.%s.removing/patch", store_dir(), name);
}

int store_check_name(const char *name)
{
	if (!*name)
		return err_set("has no name; name it when making it (suture diff -o NAME)");
	if (name[0] == '.')
		return err_set("name '%s' starts with '.'; rename the patch", name);
	for (const char *c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("._+-", *c))
			return err_set("name '%s' has the character '%c', which a patch name in the "
				       "store cannot have (letters, digits, '.', '_', '+', '-')", name, *c);
	return 0;
}

int store_hide(const char *name)
{
	if (store_check_name(name) < 0)
		return err_prefix("patch");
	char *entry = store_entry_path(name), *hidden = hidden_dir(name);
	int rc = 0;
	if (rename(entry, hidden) < 0)
		rc = errno == ENOENT
			? err_set("no patch '%s' is installed (see 'suture list')", name)
			: err_set_errno("cannot remove '%s'", entry);
	free(entry);
	free(hidden);
	return rc;
}

int store_unhide(const char *name)
{
	char *entry = store_entry_path(name), *hidden = hidden_dir(name);
	int rc = rename(hidden, entry) < 0 ? err_set_errno("cannot put '%s' back", entry) : 0;
	free(entry);
	free(hidden);
	return rc;
}

int store_remove_dir(const char *dir)
{
	char *patch = xasprintf("%s/patch", dir), *target = xasprintf("%s/target", dir);
	unlink(patch);
	unlink(target);
	int rc = rmdir(dir) < 0 && errno != ENOENT ? err_set_errno("cannot remove '%s'", dir) : 0;
	free(patch);
	free(target);
	return rc;
}

int store_delete(const char *name)
{
	char *hidden = hidden_dir(name);
	int rc = store_remove_dir(hidden);
	free(hidden);
	return rc;
}
