/* `suture install`'s half on disk: verify a patch and keep it in the
 * store.  The entry is written in a hidden directory, then renamed into
 * place: watch and list see all of it or nothing. */
#include "store/store.h"
#include "store/target_check.h"
#include "store/verify.h"
#include "common/error.h"
#include "common/util.h"
#include "patchfile/patchmerge.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set_errno("cannot create '%s'", path);
	int rc = 0;
	for (size_t done = 0; rc == 0 && done < len;) {
		ssize_t w = write(fd, (const char *)data + done, len - done);
		if (w < 0)
			rc = err_set_errno("cannot write '%s'", path);
		else
			done += (size_t)w;
	}
	if (fsync(fd) < 0 && rc == 0)
		rc = err_set_errno("cannot write '%s'", path);
	close(fd);
	return rc;
}

/* DIR/patch: the patch itself, or, bound to TARGET's build, the same patch
 * naming that build and file; DIR/target: TARGET's absolute path. */
static int write_entry(const struct patch_file *pf, const char *path, const char *target,
		       const char *dir)
{
	char *dest = xasprintf("%s/patch", dir);
	int rc;
	if (!target) {
		size_t len;
		char *data = read_whole_file(path, &len);
		rc = data ? write_file(dest, data, len) : -1;
		free(data);
	} else {
		uint8_t id[SUTURE_BUILD_ID_MAX];
		size_t id_len;
		rc = target_check(pf, path, target, id, &id_len);
		char *copy = xstrdup(target);
		const char *parts[] = { path };
		if (rc == 0)
			rc = patch_merge(parts, 1, patch_string(pf, pf->header->name),
					 basename(copy), id, id_len, dest);
		if (rc == 0 && chmod(dest, 0600) < 0)
			rc = err_set_errno("cannot write '%s'", dest);
		free(copy);
		char *abs = realpath(target, NULL), *where = xasprintf("%s/target", dir);
		if (rc == 0) {
			char *line = xasprintf("%s\n", abs);
			rc = write_file(where, line, strlen(line));
			free(line);
		}
		free(abs);
		free(where);
	}
	/* What the store keeps must open as a patch again (the bound form is
	 * a new file). */
	struct patch_file *stored = rc == 0 ? patch_file_open(dest) : NULL;
	if (rc == 0 && !stored)
		rc = err_prefix("the patch as stored");
	patch_file_close(stored);
	free(dest);
	return rc;
}

static int make_dir(const char *dir)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return err_set_errno("cannot create '%s'", dir);
	return 0;
}

int store_add(const char *path, const char *target, char **name_out)
{
	if (store_verify_file(path) < 0)
		return -1;
	struct patch_file *pf = patch_file_open(path);
	if (!pf)
		return -1;
	int rc = store_verify_patch(pf, path, target != NULL);
	const char *name = patch_string(pf, pf->header->name);
	char *entry = store_entry_path(name);
	char *tmp = xasprintf("%s/.%s.new", store_dir(), name);
	if (rc == 0 && access(entry, F_OK) == 0)
		rc = err_set("patch '%s' is already installed ('%s'); 'suture remove %s' first",
			     name, entry, name);
	if (rc == 0)
		rc = make_dir(store_dir());
	if (rc == 0) {
		store_remove_dir(tmp);   /* left by an install that was killed */
		rc = make_dir(tmp);
	}
	if (rc == 0)
		rc = write_entry(pf, path, target, tmp);
	if (rc == 0 && rename(tmp, entry) < 0)
		rc = err_set_errno("cannot install '%s'", entry);
	if (rc < 0)
		store_remove_dir(tmp);
	else
		*name_out = xstrdup(name);
	free(tmp);
	free(entry);
	patch_file_close(pf);
	return rc;
}
