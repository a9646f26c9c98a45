/* The source diff: see srcdiff.h. */
#include "build/fixdiff.h"
#include "build/command.h"
#include "common/error.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The path of a "+++ b/dir/file" line, first component (a/, b/) and any
 * tab-separated time stamp removed; NULL for /dev/null. */
static char *header_path(const char *line)
{
	const char *p = line + 4;
	size_t len = strcspn(p, "\t\n");
	char *path = xasprintf("%.*s", (int)len, p);
	if (strcmp(path, "/dev/null") == 0) {
		free(path);
		return NULL;
	}
	char *slash = strchr(path, '/');
	char *rest = xstrdup(slash ? slash + 1 : path);
	free(path);
	return rest;
}

static struct touched_file *touch(struct build_session *s, const char *rel)
{
	char *path = xasprintf("%s/%s", s->opt->srcdir, rel);
	for (size_t i = 0; i < s->ntouched; i++)
		if (strcmp(s->touched[i].path, path) == 0) {
			free(path);
			return &s->touched[i];
		}
	s->touched = xrealloc(s->touched, (s->ntouched + 1) * sizeof *s->touched);
	s->touched[s->ntouched] = (struct touched_file){ .path = path };
	return &s->touched[s->ntouched++];
}

/* "@@ -a,b +c,d @@": a count left out is 1. */
static int parse_hunk(const char *line, struct hunk *h)
{
	h->old_len = h->new_len = 1;
	if (sscanf(line, "@@ -%ld,%ld +%ld,%ld", &h->old_start, &h->old_len, &h->new_start,
		   &h->new_len) == 4)
		return 0;
	h->old_len = h->new_len = 1;
	if (sscanf(line, "@@ -%ld +%ld,%ld", &h->old_start, &h->new_start, &h->new_len) == 3)
		return 0;
	if (sscanf(line, "@@ -%ld,%ld +%ld", &h->old_start, &h->old_len, &h->new_start) == 3)
		return 0;
	if (sscanf(line, "@@ -%ld +%ld", &h->old_start, &h->new_start) == 2)
		return 0;
	return -1;
}

int fixdiff_read(struct build_session *s)
{
	FILE *f = fopen(s->opt->diff, "r");
	if (!f)
		return err_set_errno("cannot read the diff %s", s->opt->diff);
	char *line = NULL, *old_path = NULL;
	size_t cap = 0;
	struct touched_file *cur = NULL;
	long old_left = 0, new_left = 0;   /* lines of the current hunk still to come */
	int ret = 0;
	while (getline(&line, &cap, f) > 0 && ret == 0) {
		if (old_left > 0 || new_left > 0) {
			/* A hunk's body: a removed "-- x" line is no file header. */
			if (line[0] != '+' && line[0] != '\\')
				old_left--;
			if (line[0] != '-' && line[0] != '\\')
				new_left--;
			continue;
		}
		if (strncmp(line, "--- ", 4) == 0) {
			free(old_path);
			old_path = header_path(line);
		} else if (strncmp(line, "+++ ", 4) == 0) {
			char *path = header_path(line);
			if (!path && !old_path)
				ret = err_set("%s: a file header names /dev/null twice", s->opt->diff);
			else
				cur = touch(s, path ? path : old_path);
			free(path);
		} else if (strncmp(line, "@@ ", 3) == 0 && cur) {
			struct hunk h;
			if (parse_hunk(line, &h) < 0) {
				ret = err_set("%s: a hunk header that is not unified diff: %.40s",
					      s->opt->diff, line);
				break;
			}
			cur->hunks = xrealloc(cur->hunks, (cur->nhunks + 1) * sizeof h);
			cur->hunks[cur->nhunks++] = h;
			old_left = h.old_len;
			new_left = h.new_len;
		}
	}
	free(line);
	free(old_path);
	fclose(f);
	if (ret == 0 && s->ntouched == 0)
		ret = err_set("%s is not a unified diff (no '+++' file header): make it with "
			      "'diff -u' or 'git diff'", s->opt->diff);
	return ret;
}

int fixdiff_apply(struct build_session *s)
{
	char *argv[] = { "patch", "-p1", "--forward", "--batch", "--no-backup-if-mismatch",
			 "-r", "-", "-i", (char *)s->opt->diff, NULL };
	struct buf out = { 0 };
	int status = command_run(argv, s->opt->srcdir, NULL, &out);
	int ret = 0;
	if (status < 0) {
		ret = -1;
	} else if (status != 0) {
		/* patch's own words say which file and hunk. */
		char *nl;
		while (out.len && (nl = strrchr(out.data, '\n')) && nl[1] == '\0')
			*nl = '\0';
		for (char *p = out.data; p && (nl = strchr(p, '\n')); p = nl + 1)
			*nl = ' ';
		ret = err_set("the diff %s does not apply to %s (patch -p1 says: %s); make it "
			      "against this tree", s->opt->diff, s->opt->srcdir,
			      out.data ? out.data : "nothing");
	}
	buf_free(&out);
	return ret;
}
