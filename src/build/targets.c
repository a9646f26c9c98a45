/* The targets: see targets.h. */
#include "build/targets.h"
#include "common/error.h"
#include "common/util.h"

#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int target_load(struct build_target *t, const char *path)
{
	memset(t, 0, sizeof *t);
	struct elf_file *ef = elf_file_open(path);
	if (!ef)
		return err_prefix("target %s", path);
	int ret = 0;
	if (ef->ehdr.e_type != ET_EXEC && ef->ehdr.e_type != ET_DYN)
		ret = err_set("target %s is not an executable or a shared library "
			      "(name the linked file the process runs)", path);
	else if (unit_records_read(ef, &t->recs) < 0)
		ret = -1;
	else if (t->recs.n_units == 0)
		ret = err_set("target %s has no unit records: it was not built with "
			      "suture-cc -fease-live-patching (rebuild it so, then run it)", path);
	else if (!(t->build_id_len = elf_file_build_id(ef, t->build_id, sizeof t->build_id)))
		ret = err_set("target %s has no build-id, so no patch can be bound to it "
			      "(link with -Wl,--build-id)", path);
	if (ret == 0) {
		t->file = ef;
		t->path = xstrdup(path);
		char *copy = xstrdup(path);
		t->name = xstrdup(basename(copy));
		free(copy);
	} else {
		elf_file_close(ef);
		unit_records_free(&t->recs);
	}
	return ret;
}

void target_free(struct build_target *t)
{
	free(t->path);
	free(t->name);
	unit_records_free(&t->recs);
	if (t->file)
		elf_file_close(t->file);
}

/* Whether PATH starts with the ELF magic (cheap, before libelf). */
static bool looks_elf(const char *path)
{
	char magic[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool elf = read(fd, magic, 4) == 4 && memcmp(magic, "\177ELF", 4) == 0;
	close(fd);
	return elf;
}

/* nftw() has no context argument: the scan's state. */
static struct {
	struct build_session *s;
	const char *name;      /* only files of this base name, or NULL */
	char **found;
	size_t nfound;
} scan;

static int scan_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (flag == FTW_D && ftw->level > 0 && path[ftw->base] == '.')
		return FTW_SKIP_SUBTREE;   /* .git and the like */
	if (flag != FTW_F || !S_ISREG(st->st_mode) || st->st_size < 64)
		return FTW_CONTINUE;
	if (scan.name && strcmp(path + ftw->base, scan.name) != 0)
		return FTW_CONTINUE;
	bool candidate = (st->st_mode & 0111) || strstr(path + ftw->base, ".so");
	if (!candidate || !looks_elf(path))
		return FTW_CONTINUE;
	struct build_target t;
	err_clear();
	if (target_load(&t, path) == 0) {
		scan.found = strv_add(scan.found, &scan.nfound, xstrdup(path));
		target_free(&t);
	}
	return FTW_CONTINUE;
}

static char **scan_tree(struct build_session *s, const char *name, size_t *n)
{
	scan.s = s;
	scan.name = name;
	scan.found = NULL;
	scan.nfound = 0;
	nftw(s->opt->srcdir, scan_one, 32, FTW_PHYS | FTW_ACTIONRETVAL);
	*n = scan.nfound;
	return scan.found;
}

int targets_find(struct build_session *s)
{
	size_t n;
	char **found = scan_tree(s, NULL, &n);
	int ret = 0;
	if (n == 0)
		ret = err_set("no executable or shared library under %s holds unit records: build "
			      "the project with suture-cc -fease-live-patching first, or name the "
			      "file the process runs with --target", s->opt->srcdir);
	s->targets = xcalloc(n + 1, sizeof *s->targets);
	for (size_t i = 0; i < n && ret == 0; i++)
		if ((ret = target_load(&s->targets[s->ntargets], found[i])) == 0)
			s->ntargets++;
	for (size_t i = 0; i < n; i++)
		free(found[i]);
	free(found);
	return ret;
}

static bool in_tree(const char *srcdir, const char *path)
{
	size_t len = strlen(srcdir);
	return strncmp(path, srcdir, len) == 0 && (path[len] == '/' || path[len] == '\0');
}

char *target_rebuilt_path(const struct build_session *s, const struct build_target *t)
{
	if (in_tree(s->opt->srcdir, t->path)) {
		if (access(t->path, R_OK) == 0)
			return xstrdup(t->path);
		err_set("the build did not make %s (is it the build's output? give --build the "
			"command that makes it)", t->path);
		return NULL;
	}
	size_t n;
	char **found = scan_tree((struct build_session *)s, t->name, &n);
	char *path = n == 1 ? xstrdup(found[0]) : NULL;
	if (n == 0)
		err_set("the build made no %s under %s: give --target the file the build makes "
			"(or --build the command that makes it)", t->name, s->opt->srcdir);
	else if (n > 1)
		err_set("the build made %zu files named %s (%s, %s...): give --target the one "
			"in the tree", n, t->name, found[0], found[1]);
	for (size_t i = 0; i < n; i++)
		free(found[i]);
	free(found);
	return path;
}

const char *targets_level(struct build_session *s)
{
	const char *level = s->targets[0].recs.units[0].level;
	for (size_t i = 0; i < s->ntargets; i++)
		for (size_t u = 0; u < s->targets[i].recs.n_units; u++)
			if (strcmp(s->targets[i].recs.units[u].level, level) != 0) {
				s->report->notes = strv_add(s->report->notes, &s->report->nnotes,
					xasprintf("the targets' units were built at several levels; "
						  "units whose command line names none are compiled at %s",
						  level));
				return level;
			}
	return level;
}
