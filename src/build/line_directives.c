/* #line after each hunk: see line_directives.h. */
#include "build/line_directives.h"
#include "common/error.h"
#include "common/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_c_file(const char *path)
{
	return str_ends_with(path, ".c") || str_ends_with(path, ".h");
}

/* The new file's line after which hunk H ends. */
static long hunk_last_line(const struct hunk *h)
{
	return h->new_len ? h->new_start + h->new_len - 1 : h->new_start;
}

/* Splits TEXT into lines (kept with their '\n'); returns their count. */
static size_t split_lines(char *text, size_t len, char ***lines)
{
	size_t n = 0;
	*lines = NULL;
	for (size_t i = 0; i < len;) {
		char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) + 1 : len;
		*lines = xrealloc(*lines, (n + 1) * sizeof **lines);
		(*lines)[n++] = xasprintf("%.*s", (int)(end - i), text + i);
		i = end;
	}
	return n;
}

/* A directive cannot go inside a macro definition that goes on. */
static bool continues(const char *line)
{
	size_t len = strlen(line);
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	return len && line[len - 1] == '\\';
}

static int rewrite(const struct touched_file *t)
{
	size_t len;
	char *text = read_whole_file(t->path, &len);
	if (!text)
		return errno == ENOENT ? 0 : -1;   /* a file the diff deleted */
	char **lines;
	size_t n = split_lines(text, len, &lines);
	free(text);
	FILE *f = fopen(t->path, "w");
	if (!f)
		return err_set_errno("cannot write %s", t->path);
	size_t h = 0;
	for (size_t i = 0; i < n; i++) {
		fputs(lines[i], f);
		while (h < t->nhunks && hunk_last_line(&t->hunks[h]) < (long)i + 1)
			h++;
		const struct hunk *hk = h < t->nhunks ? &t->hunks[h] : NULL;
		if (hk && hunk_last_line(hk) == (long)i + 1 && i + 1 < n &&
		    hk->old_len != hk->new_len && !continues(lines[i]))
			fprintf(f, "%s#line %ld\n", str_ends_with(lines[i], "\n") ? "" : "\n",
				hk->old_len ? hk->old_start + hk->old_len : hk->old_start + 1);
	}
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	if (fclose(f) != 0)
		return err_set_errno("cannot write %s", t->path);
	return 0;
}

int line_directives_insert(struct build_session *s)
{
	for (size_t i = 0; i < s->ntouched; i++)
		if (is_c_file(s->touched[i].path) && rewrite(&s->touched[i]) < 0)
			return -1;
	return 0;
}
