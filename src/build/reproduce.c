/* The reproduction check: see reproduce.h. */
#include "build/reproduce.h"
#include "build/targets.h"
#include "common/error.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DIFFERENCES 4

static const struct unit_record *find_unit(const struct unit_records *recs,
					   const struct unit_record *like)
{
	for (size_t i = 0; i < recs->n_units; i++)
		if (strcmp(recs->units[i].directory, like->directory) == 0 &&
		    strcmp(recs->units[i].output, like->output) == 0)
			return &recs->units[i];
	return NULL;
}

/* The first argument where A and B part, as "X instead of Y". */
static char *args_difference(const struct unit_record *a, const struct unit_record *b)
{
	size_t n = a->n_args > b->n_args ? a->n_args : b->n_args;
	for (size_t i = 0; i < n; i++) {
		const char *x = i < a->n_args ? a->args[i] : "(nothing)";
		const char *y = i < b->n_args ? b->args[i] : "(nothing)";
		if (strcmp(x, y) != 0)
			return xasprintf("%s: options differ (now '%s' where the target had '%s')",
					 b->source, y, x);
	}
	return NULL;
}

static char *unit_difference(const struct unit_record *had, const struct unit_record *now)
{
	if (!now)
		return xasprintf("%s: in the target, not in the build", had->source);
	if (strcmp(had->gcc, now->gcc) != 0)
		return xasprintf("compiler: gcc %s now, gcc %s for the target", now->gcc, had->gcc);
	if (strcmp(had->level, now->level) != 0)
		return xasprintf("%s: level %s now, %s for the target", had->source, now->level,
				 had->level);
	return args_difference(had, now);
}

static void add_difference(struct buf *b, int *count, char *text)
{
	if (!text)
		return;
	if (*count < MAX_DIFFERENCES)
		buf_printf(b, "%s%s", *count ? "; " : "", text);
	else if (*count == MAX_DIFFERENCES)
		buf_addstr(b, "; ...");
	(*count)++;
	free(text);
}

static void records_differences(const struct unit_records *had, const struct unit_records *now,
				struct buf *b, int *count)
{
	for (size_t i = 0; i < had->n_units; i++)
		add_difference(b, count, unit_difference(&had->units[i], find_unit(now, &had->units[i])));
	for (size_t i = 0; i < now->n_units; i++)
		if (!find_unit(had, &now->units[i]))
			add_difference(b, count, xasprintf("%s: in the build, not in the target",
							   now->units[i].source));
}

int reproduce_check(const struct build_target *t, const char *rebuilt)
{
	struct build_target now;
	if (target_load(&now, rebuilt) < 0)
		return err_prefix("the build of the tree as it is does not reproduce %s", t->path);
	if (now.build_id_len == t->build_id_len &&
	    memcmp(now.build_id, t->build_id, t->build_id_len) == 0) {
		target_free(&now);
		return 0;
	}
	struct buf b = { 0 };
	int count = 0;
	records_differences(&t->recs, &now.recs, &b, &count);
	if (count == 0)
		buf_addstr(&b, "same compiler, options and units, so the sources differ from those "
			       "the target was built from");
	err_set("the build of the tree as it is does not reproduce %s (build-id differs): %s; "
		"build from the sources and with the build command the target was made with "
		"(--build 'CMD'), or rebuild the target from this tree and run that",
		t->path, b.data);
	buf_free(&b);
	target_free(&now);
	return -1;
}
