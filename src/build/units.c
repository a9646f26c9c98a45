/* The units and which ones changed: see units.h. */
#include "build/units.h"
#include "common/error.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

static char *absolute(const char *dir, const char *path)
{
	if (path[0] == '/')
		return xstrdup(path);
	char *joined = xasprintf("%s/%s", dir, path);
	char *real = realpath(joined, NULL);
	if (real) {
		free(joined);
		return real;
	}
	return joined;
}

static struct build_unit *find(struct build_session *s, const char *output)
{
	for (size_t i = 0; i < s->nunits; i++)
		if (strcmp(s->units[i].output, output) == 0)
			return &s->units[i];
	return NULL;
}

void units_collect(struct build_session *s)
{
	for (size_t t = 0; t < s->ntargets; t++)
		for (size_t i = 0; i < s->targets[t].recs.n_units; i++) {
			const struct unit_record *rec = &s->targets[t].recs.units[i];
			char *output = absolute(rec->directory, rec->output);
			struct build_unit *u = find(s, output);
			if (u) {
				free(output);
			} else {
				s->units = xrealloc(s->units, (s->nunits + 1) * sizeof *s->units);
				u = &s->units[s->nunits++];
				*u = (struct build_unit){ .rec = rec, .output = output,
					.source = absolute(rec->directory, rec->source) };
			}
			u->targets |= 1ul << t;
		}
}

static bool is_touched(const struct build_session *s, const char *path)
{
	for (size_t i = 0; i < s->ntouched; i++)
		if (strcmp(s->touched[i].path, path) == 0)
			return true;
	return false;
}

/* Names C code includes: headers, and the tables and fragments some
 * projects include (foo.def, foo.inc, foo.x).  Tests, scripts and
 * documentation a fix also touches (the .tcl tests of redis) are not
 * looked for, which spares a gcc -M of every unit. */
static bool includable(const char *path)
{
	static const char *const suffixes[] = { ".h", ".c", ".inc", ".def", ".x", ".tbl", ".hpp" };
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++)
		if (str_ends_with(path, suffixes[i]))
			return true;
	return false;
}

/* Whether the diff touches an includable file other than the units' own
 * sources: only then is every unit's include list needed. */
static bool touches_other_files(const struct build_session *s)
{
	for (size_t i = 0; i < s->ntouched; i++) {
		if (!includable(s->touched[i].path))
			continue;
		bool is_source = false;
		for (size_t u = 0; u < s->nunits && !is_source; u++)
			is_source = strcmp(s->units[u].source, s->touched[i].path) == 0;
		if (!is_source)
			return true;
	}
	return false;
}

static int mark_by_includes(struct build_session *s, struct build_unit *u)
{
	char **files;
	size_t n;
	if (includes_of(u, &files, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (is_touched(s, files[i]))
			u->changed = true;
		free(files[i]);
	}
	free(files);
	return 0;
}

int units_mark_changed(struct build_session *s)
{
	bool headers = touches_other_files(s);
	if (headers)
		progress(s, "finding the units that include the changed files (%zu units)", s->nunits);
	for (size_t i = 0; i < s->nunits; i++) {
		struct build_unit *u = &s->units[i];
		u->changed = is_touched(s, u->source);
		if (!u->changed && headers && mark_by_includes(s, u) < 0)
			return -1;
	}
	return 0;
}

void units_free(struct build_session *s)
{
	for (size_t i = 0; i < s->nunits; i++) {
		free(s->units[i].source);
		free(s->units[i].output);
		free(s->units[i].orig_obj);
		free(s->units[i].patched_obj);
	}
	free(s->units);
}
