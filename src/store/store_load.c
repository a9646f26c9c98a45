/* Reading the store back: every installed patch, opened. */
#include "store/store.h"
#include "common/error.h"
#include "common/util.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The target file install recorded for NAME, or NULL. */
static char *read_target(const char *name)
{
	char *where = store_target_path(name);
	size_t len;
	char *text = read_whole_file(where, &len);
	free(where);
	err_clear();
	if (text)
		text[strcspn(text, "\n")] = '\0';
	return text;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct store_entry *)a)->name, ((const struct store_entry *)b)->name);
}

int store_load(struct store_entry **out, size_t *n, char **warn)
{
	*out = NULL;
	*n = 0;
	*warn = NULL;
	DIR *d = opendir(store_dir());
	if (!d)
		return errno == ENOENT ? 0 : err_set_errno("cannot read the patch store '%s'", store_dir());
	struct buf warnings = { 0 };
	struct dirent *de;
	while ((de = readdir(d))) {
		/* Hidden: being installed or removed. */
		if (de->d_name[0] == '.')
			continue;
		char *path = store_patch_path(de->d_name);
		struct patch_file *pf = patch_file_open(path);
		if (!pf) {
			buf_printf(&warnings, "%sskipped '%s': %s", warnings.len ? "\n" : "", path, err_msg());
			free(path);
			continue;
		}
		*out = xrealloc(*out, (*n + 1) * sizeof **out);
		(*out)[(*n)++] = (struct store_entry){
			.name = xstrdup(de->d_name),
			.path = path,
			.target = read_target(de->d_name),
			.pf = pf,
		};
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof **out, by_name);
	*warn = warnings.data;
	return 0;
}

void store_entries_free(struct store_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].path);
		free(v[i].target);
		patch_file_close(v[i].pf);
	}
	free(v);
}
