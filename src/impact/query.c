/* What a hand-written patch misses: see query.h. */
#include "impact/query.h"
#include "impact/build_graph.h"
#include "impact/lists.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

static bool needs_naming(const struct graph *g, int node, const char *const *defined,
			 size_t ndefined)
{
	const char *name = g->nodes[node].name;
	if (g->nodes[node].clone_of.n || impact_named_like_clone(name))
		return false;
	return !str_in_list((char **)defined, ndefined, name);
}

static void add_gaps(const struct graph *g, const struct lister *l, const char *function,
		     const char *const *defined, size_t ndefined, struct impact_gap **gaps,
		     size_t *ngaps)
{
	for (size_t i = 0; i < l->n_found; i++) {
		const struct impact_member *m = &l->found[i];
		if (!needs_naming(g, m->node, defined, ndefined))
			continue;
		*gaps = xrealloc(*gaps, (*ngaps + 1) * sizeof **gaps);
		(*gaps)[(*ngaps)++] = (struct impact_gap){
			.function = xstrdup(function), .missing = xstrdup(g->nodes[m->node].name),
			.why = impact_why_word(m->why), .via = xstrdup(g->nodes[m->via].name) };
	}
}

int impact_gaps(const char *const *files, size_t nfiles, const char *const *replaced,
		size_t nreplaced, const char *const *defined, size_t ndefined,
		struct impact_gap **gaps, size_t *ngaps)
{
	*gaps = NULL;
	*ngaps = 0;
	struct graph g;
	graph_init(&g);
	if (impact_read_build(&g, files, nfiles) < 0) {
		graph_free(&g);
		return -1;
	}
	struct lister l;
	lister_init(&l, &g);
	for (size_t i = 0; i < nreplaced; i++) {
		int f = graph_find(&g, replaced[i]);
		if (f < 0)
			continue;   /* not in the target's records: nothing known of it */
		lister_run(&l, f);
		add_gaps(&g, &l, replaced[i], defined, ndefined, gaps, ngaps);
	}
	lister_free(&l);
	graph_free(&g);
	return 0;
}

void impact_gaps_free(struct impact_gap *gaps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(gaps[i].function);
		free(gaps[i].missing);
		free(gaps[i].via);
	}
	free(gaps);
}
