/* The work directory: see workdir.h. */
#include "build/workdir.h"
#include "common/error.h"
#include "common/util.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

char *workdir_create(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/suture-build.XXXXXX", tmp && *tmp ? tmp : "/var/tmp");
	if (!mkdtemp(dir)) {
		err_set_errno("cannot create a work directory %s (set TMPDIR to a writable directory)",
			      dir);
		free(dir);
		return NULL;
	}
	return dir;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

void workdir_remove(const char *dir)
{
	if (dir)
		nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
