/* The completeness of a hand-written patch: see manual_check.h. */
#include "build/manual_check.h"
#include "build/manual_units.h"
#include "common/error.h"
#include "common/util.h"
#include "impact/query.h"
#include "patchfile/patchread.h"
#include "store/target_check.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>

/* The functions the patch replaces: changed ones, and new ones (a
 * function GCC inlined everywhere has no code of its own in the target,
 * but the records know it; a new helper the records do not know has no
 * list). */
static char **replaced_functions(const struct build_report *r, size_t *n)
{
	char **names = xcalloc(1, sizeof *names);
	*n = 0;
	for (size_t i = 0; i < r->nentries; i++)
		if (r->entries[i].is_func && strcmp(r->entries[i].state, "removed") != 0)
			names = strv_add(names, n, xstrdup(r->entries[i].name));
	return names;
}

static char *why_text(const struct impact_gap *g)
{
	if (strcmp(g->why, "inlined") == 0)
		return strcmp(g->via, g->function) == 0
			? xasprintf("%s was inlined into it", g->function)
			: xasprintf("%s, which holds %s's code, was inlined into it", g->via, g->function);
	if (strcmp(g->why, "calls-clone") == 0)
		return xasprintf("it calls %s, a clone whose signature changes with %s", g->via,
				 g->function);
	return xasprintf("%s (%s of %s)", g->missing, g->why, g->via);
}

static void add_refusal(struct build_session *s, const struct impact_gap *g, const char *source)
{
	struct build_report *r = s->report;
	r->refusals = xrealloc(r->refusals, (r->nrefusals + 1) * sizeof *r->refusals);
	char *why = why_text(g);
	r->refusals[r->nrefusals++] = (struct build_refusal){
		xstrdup(source), xstrdup(g->missing),
		xasprintf("must be replaced together with %s: %s", g->function, why),
		xasprintf("define %s in %s too (its source with the fix), or give --force to "
			  "build the patch without it", g->missing, source) };
	free(why);
}

static void add_warning(struct build_session *s, const struct impact_gap *g)
{
	char *why = why_text(g);
	s->report->warnings = strv_add(s->report->warnings, &s->report->nwarnings,
		xasprintf("--force: the patch lacks %s, which must be replaced together with %s "
			  "(%s): callers that reach %s keep running the old code of %s", g->missing,
			  g->function, why, g->missing, g->function));
	free(why);
}

int manual_check_impacted(struct build_session *s)
{
	const struct build_options *opt = s->opt;
	size_t nreplaced, ndefined;
	char **replaced = replaced_functions(s->report, &nreplaced);
	char **defined = object_functions(s->units[s->manual_unit].patched_obj, &ndefined);
	if (!defined) {
		strv_free(replaced, nreplaced);
		return -1;
	}
	struct impact_gap *gaps;
	size_t ngaps;
	const char *files[] = { s->targets[0].path };
	int ret = impact_gaps(files, 1, (const char *const *)replaced, nreplaced,
			      (const char *const *)defined, ndefined, &gaps, &ngaps);
	char *copy = xstrdup(opt->manual_source);
	for (size_t i = 0; ret == 0 && i < ngaps; i++)
		if (opt->force)
			add_warning(s, &gaps[i]);
		else
			add_refusal(s, &gaps[i], basename(copy));
	if (ret == 0 && ngaps && !opt->force) {
		s->report->refusal_title = "incomplete patch";
		ret = BUILD_REFUSED;
	}
	free(copy);
	impact_gaps_free(gaps, ngaps);
	strv_free(replaced, nreplaced);
	strv_free(defined, ndefined);
	return ret;
}

int manual_check_target(struct build_session *s, const char *made)
{
	struct patch_file *pf = patch_file_open(made);
	if (!pf)
		return -1;
	uint8_t id[SUTURE_BUILD_ID_MAX];
	size_t id_len;
	int ret = target_check(pf, made, s->targets[0].path, id, &id_len);
	patch_file_close(pf);
	if (ret < 0)
		return err_prefix("the objects of the target's units in the tree are not those %s "
				  "was built from (rebuild the tree as it was, or give the target "
				  "built from the tree as it is)", s->targets[0].path);
	return 0;
}
