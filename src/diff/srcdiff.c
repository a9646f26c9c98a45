/* Reading a unified diff for the line moves it makes: see srcdiff.h. */
#include "diff/srcdiff.h"
#include "common/error.h"
#include "common/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hunk {
	long old_start, new_start;
	long old_left, new_left;   /* body lines still to read, while reading */
	char *ops;           /* one per body line: ' ', '-' or '+' */
	size_t nops;
};

struct srcfile {
	char *path;          /* the new side's name, without a/ or b/ */
	struct hunk *hunks;
	size_t nhunks;
	char *changed;       /* the removed and added lines, one after another */
	size_t changed_len;
};

struct srcdiff {
	struct srcfile *files;
	size_t nfiles;
};

/* "+++ b/lib/x.c\t2024-..." -> "lib/x.c" (a/ or b/ dropped). */
static char *file_name(const char *line)
{
	const char *name = line + 4;
	size_t len = strcspn(name, "\t\n");
	if (len > 2 && (name[0] == 'a' || name[0] == 'b') && name[1] == '/') {
		name += 2;
		len -= 2;
	}
	return strndup(name, len);
}

static void append_changed(struct srcfile *f, const char *text)
{
	size_t len = strlen(text);
	f->changed = xrealloc(f->changed, f->changed_len + len + 1);
	memcpy(f->changed + f->changed_len, text, len + 1);
	f->changed_len += len;
}

/* "@@ -OLD[,N] +NEW[,M] @@": the hunk's starts and lengths (1 when left out). */
static bool hunk_header(const char *line, struct hunk *h)
{
	char *end;
	if (strncmp(line, "@@ -", 4) != 0)
		return false;
	h->old_start = strtol(line + 4, &end, 10);
	h->old_left = *end == ',' ? strtol(end + 1, &end, 10) : 1;
	if (strncmp(end, " +", 2) != 0)
		return false;
	h->new_start = strtol(end + 2, &end, 10);
	h->new_left = *end == ',' ? strtol(end + 1, &end, 10) : 1;
	return strncmp(end, " @@", 3) == 0;
}

/* A body line of hunk H of file F. */
static void read_body_line(struct srcfile *f, struct hunk *h, const char *line)
{
	char op = line[0] == '-' || line[0] == '+' ? line[0] : ' ';
	h->ops = xrealloc(h->ops, h->nops + 1);
	h->ops[h->nops++] = op;
	h->old_left -= op != '+';
	h->new_left -= op != '-';
	if (op != ' ')
		append_changed(f, line + 1);
}

/* One line of the diff, in the file being read (CUR, may be NULL).
 * Hunk bodies are read by their counts, so a removed line starting with
 * "--" is not taken for a header. */
static void read_line(struct srcdiff *sd, const char *line, struct srcfile **cur)
{
	struct srcfile *f = *cur;
	struct hunk *last = f && f->nhunks ? &f->hunks[f->nhunks - 1] : NULL;
	if (last && (last->old_left > 0 || last->new_left > 0)) {
		if (line[0] != '\\')   /* "\ No newline at end of file" */
			read_body_line(f, last, line);
		return;
	}
	if (strncmp(line, "+++ ", 4) == 0) {
		sd->files = xrealloc(sd->files, (sd->nfiles + 1) * sizeof *sd->files);
		*cur = &sd->files[sd->nfiles++];
		memset(*cur, 0, sizeof **cur);
		(*cur)->path = file_name(line);
		return;
	}
	struct hunk h = { 0 };
	if (f && hunk_header(line, &h)) {
		f->hunks = xrealloc(f->hunks, (f->nhunks + 1) * sizeof *f->hunks);
		f->hunks[f->nhunks++] = h;
	}
}

struct srcdiff *srcdiff_read(const char *path)
{
	FILE *in = fopen(path, "r");
	if (!in) {
		err_set_errno("cannot read the source diff %s", path);
		return NULL;
	}
	struct srcdiff *sd = xcalloc(1, sizeof *sd);
	struct srcfile *cur = NULL;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, in) > 0)
		read_line(sd, line, &cur);
	free(line);
	fclose(in);
	size_t hunks = 0;
	for (size_t i = 0; i < sd->nfiles; i++)
		hunks += sd->files[i].nhunks;
	if (!hunks) {
		srcdiff_free(sd);
		err_set("%s holds no hunk of a unified diff; give the diff the fix was made from "
			"(diff -u, git diff)", path);
		return NULL;
	}
	return sd;
}

void srcdiff_free(struct srcdiff *sd)
{
	if (!sd)
		return;
	for (size_t i = 0; i < sd->nfiles; i++) {
		for (size_t h = 0; h < sd->files[i].nhunks; h++)
			free(sd->files[i].hunks[h].ops);
		free(sd->files[i].hunks);
		free(sd->files[i].path);
		free(sd->files[i].changed);
	}
	free(sd->files);
	free(sd);
}

static bool same_file(const char *path, const char *unit)
{
	const char *base = strrchr(unit, '/');
	base = base ? base + 1 : unit;
	size_t n = strlen(path), m = strlen(base);
	return n >= m && strcmp(path + n - m, base) == 0 && (n == m || path[n - m - 1] == '/');
}

/* The new number of OLD_LINE, or -1 when the diff removes it. */
static long follow(const struct srcfile *f, long old_line)
{
	long shift = 0;
	for (size_t h = 0; h < f->nhunks; h++) {
		const struct hunk *hk = &f->hunks[h];
		if (old_line < hk->old_start)
			break;
		long o = hk->old_start, n = hk->new_start;
		for (size_t i = 0; i < hk->nops; i++) {
			char op = hk->ops[i];
			if (op != '+' && o == old_line)
				return op == ' ' ? n : -1;
			o += op != '+';
			n += op != '-';
		}
		shift = n - o;
	}
	return old_line + shift;
}

/* Is NUMBER written (as a whole number) in TEXT? */
static bool written_in(const char *text, int64_t number)
{
	char digits[32];
	snprintf(digits, sizeof digits, "%lld", (long long)number);
	size_t len = strlen(digits);
	for (const char *p = text; p && (p = strstr(p, digits)); p++)
		if ((p == text || !isalnum((unsigned char)p[-1])) && !isalnum((unsigned char)p[len]))
			return true;
	return false;
}

bool srcdiff_line_moved(const struct srcdiff *sd, const char *unit, int64_t old_line,
			int64_t new_line)
{
	const struct srcfile *found = NULL;
	for (size_t i = 0; i < sd->nfiles; i++)
		if (same_file(sd->files[i].path, unit)) {
			if (found)
				return false;   /* two files of that name: cannot tell */
			found = &sd->files[i];
		}
	if (!found || old_line <= 0 || old_line == new_line)
		return false;
	if (found->changed && (written_in(found->changed, old_line) ||
			       written_in(found->changed, new_line)))
		return false;
	return follow(found, (long)old_line) == new_line;
}
