/* Two objects or two archives, member by member: see diffset.h. */
#include "diff/diffset.h"
#include "diff/srcdiff.h"
#include "patchfile/patchmerge.h"
#include "common/error.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct diff_unit *add_unit(struct diff_set *set)
{
	set->units = xrealloc(set->units, (set->nunits + 1) * sizeof *set->units);
	struct diff_unit *u = &set->units[set->nunits++];
	memset(u, 0, sizeof *u);
	return u;
}

/* How many members before INDEX share its name (0 for the first). */
static size_t occurrence(const struct ar_member *m, size_t index)
{
	size_t k = 0;
	for (size_t i = 0; i < index; i++)
		k += strcmp(m[i].name, m[index].name) == 0;
	return k;
}

/* The member of M named NAME that is its K-th (from 0), or -1. */
static long find_member(const struct ar_member *m, size_t n, const char *name, size_t k)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].name, name) == 0 && k-- == 0)
			return (long)i;
	return -1;
}

static int analyze_members(struct diff_unit *u, const struct srcdiff *source_diff,
			   const char *orig, struct ar_member *a,
			   const char *patched, struct ar_member *b)
{
	u->orig_name = xasprintf("%s(%s)", orig, a->name);
	u->patched_name = xasprintf("%s(%s)", patched, b->name);
	u->same_bytes = a->size == b->size && memcmp(a->image, b->image, a->size) == 0;
	if (u->same_bytes)
		return 0;
	u->d.source_diff = source_diff;
	u->d.orig = dobj_open_memory(u->orig_name, a->image, a->size);
	if (!u->d.orig)
		return -1;
	u->d.patched = dobj_open_memory(u->patched_name, b->image, b->size);
	if (!u->d.patched)
		return -1;
	diff_analyze_objects(&u->d);
	return 0;
}

/* Every member of the patched archive has a twin and the other way round:
 * a unit that appears or goes away is no change of code inside a unit. */
static int check_members_pair(const char *from, const struct ar_member *x, size_t nx,
			      const char *other, const struct ar_member *y, size_t ny, bool x_is_orig)
{
	for (size_t i = 0; i < nx; i++)
		if (find_member(y, ny, x[i].name, occurrence(x, i)) < 0)
			return err_set(x_is_orig
				       ? "%s: member %s is not in %s; a removed unit cannot be patched "
					 "live: keep it in the patched build"
				       : "%s: member %s is not in %s; a new unit cannot be diffed member by "
					 "member: put its code into an existing unit",
				       from, x[i].name, other);
	return 0;
}

static int analyze_archives(struct diff_set *set, const char *orig, const char *patched)
{
	set->archives = true;
	if (ar_read_members(orig, &set->orig_members, &set->norig) < 0 ||
	    ar_read_members(patched, &set->patched_members, &set->npatched) < 0)
		return -1;
	if (check_members_pair(orig, set->orig_members, set->norig, patched,
			       set->patched_members, set->npatched, true) < 0 ||
	    check_members_pair(patched, set->patched_members, set->npatched, orig,
			       set->orig_members, set->norig, false) < 0)
		return -1;
	for (size_t i = 0; i < set->norig; i++) {
		struct ar_member *a = &set->orig_members[i];
		size_t k = occurrence(set->orig_members, i);
		struct ar_member *b = &set->patched_members[find_member(set->patched_members,
									set->npatched, a->name, k)];
		struct diff_unit *u = add_unit(set);
		u->member = k ? xasprintf("%s[%zu]", a->name, k + 1) : xstrdup(a->name);
		if (analyze_members(u, set->source_diff, orig, a, patched, b) < 0)
			return -1;
	}
	return 0;
}

int diff_set_analyze(struct diff_set *set, const char *orig, const char *patched,
		     const char *source_diff)
{
	memset(set, 0, sizeof *set);
	if (source_diff && !(set->source_diff = srcdiff_read(source_diff)))
		return -1;
	bool ar_orig = ar_is_archive(orig), ar_patched = ar_is_archive(patched);
	if (ar_orig != ar_patched)
		return err_set("%s is a static archive and %s is not; give two archives or two objects",
			       ar_orig ? orig : patched, ar_orig ? patched : orig);
	if (ar_orig)
		return analyze_archives(set, orig, patched);
	return diff_analyze(&add_unit(set)->d, orig, patched, set->source_diff);
}

size_t diff_set_refusals(const struct diff_set *set)
{
	size_t n = 0;
	for (size_t i = 0; i < set->nunits; i++)
		n += set->units[i].d.nrefusals;
	return n;
}

static bool unit_changed(const struct diff_unit *u)
{
	return u->d.n_changed || u->d.n_new || u->d.n_removed;
}

bool diff_set_changed(const struct diff_set *set)
{
	for (size_t i = 0; i < set->nunits; i++)
		if (unit_changed(&set->units[i]))
			return true;
	return false;
}

/* Several changed members: each part cut beside OUT, then merged. */
static int write_merged(struct diff_set *set, const char *out, const char *name)
{
	char **parts = xcalloc(set->nunits + 1, sizeof *parts);
	size_t nparts = 0;
	int ret = 0;
	for (size_t i = 0; i < set->nunits && ret == 0; i++) {
		if (!unit_changed(&set->units[i]))
			continue;
		parts[nparts] = xasprintf("%s.part%zu", out, nparts);
		ret = diff_write_patch(&set->units[i].d, parts[nparts], name);
		nparts++;
	}
	if (ret == 0)
		ret = patch_merge((const char *const *)parts, nparts, name, "", NULL, 0, out);
	for (size_t i = 0; i < nparts; i++) {
		unlink(parts[i]);
		free(parts[i]);
	}
	free(parts);
	return ret;
}

int diff_set_write_patch(struct diff_set *set, const char *out, const char *name)
{
	size_t changed = 0, last = 0;
	for (size_t i = 0; i < set->nunits; i++)
		if (unit_changed(&set->units[i])) {
			changed++;
			last = i;
		}
	if (changed == 1)
		return diff_write_patch(&set->units[last].d, out, name);
	return write_merged(set, out, name);
}

void diff_set_free(struct diff_set *set)
{
	for (size_t i = 0; i < set->nunits; i++) {
		struct diff_unit *u = &set->units[i];
		diff_free(&u->d);
		free(u->member);
		free(u->orig_name);
		free(u->patched_name);
	}
	free(set->units);
	ar_free_members(set->orig_members, set->norig);
	ar_free_members(set->patched_members, set->npatched);
	srcdiff_free(set->source_diff);
	memset(set, 0, sizeof *set);
}
