#include "impact/lists.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

enum { REACH_NONE, REACH_CALLER, REACH_BODY };

void lister_init(struct lister *l, const struct graph *g)
{
	memset(l, 0, sizeof *l);
	l->g = g;
	size_t n = g->n ? g->n : 1;
	l->reach = xcalloc(n, 1);
	/* a node enters the queue at most twice: as caller, then as body */
	l->queue = xcalloc(2 * n, sizeof *l->queue);
	l->found = xcalloc(n, sizeof *l->found);
	l->why_of = xcalloc(n, sizeof *l->why_of);
	l->via_of = xcalloc(n, sizeof *l->via_of);
}

void lister_free(struct lister *l)
{
	free(l->reach);
	free(l->queue);
	free(l->found);
	free(l->why_of);
	free(l->via_of);
	memset(l, 0, sizeof *l);
}

/* Marks NODE reached as KIND (body beats caller) and queues it. */
static void reach(struct lister *l, size_t *tail, int node, int kind,
		  enum impact_why why, int via)
{
	if (l->reach[node] >= kind)
		return;
	l->reach[node] = (unsigned char)kind;
	l->why_of[node] = why;
	l->via_of[node] = via;
	l->queue[(*tail)++] = node;
}

static int by_name(const void *a, const void *b, void *graph)
{
	const struct graph *g = graph;
	const struct impact_member *x = a, *y = b;
	return strcmp(g->nodes[x->node].name, g->nodes[y->node].name);
}

void lister_run(struct lister *l, int f)
{
	const struct graph *g = l->g;
	size_t head = 0, tail = 0;
	reach(l, &tail, f, REACH_BODY, WHY_CLONE, f);
	while (head < tail) {
		int x = l->queue[head++];
		const struct fnode *n = &g->nodes[x];
		int kind = l->reach[x];
		for (size_t i = 0; i < n->clones.n; i++)
			reach(l, &tail, n->clones.ids[i], kind, WHY_CLONE, x);
		for (size_t i = 0; i < n->inlined_into.n; i++)
			reach(l, &tail, n->inlined_into.ids[i], kind, WHY_INLINED, x);
		if (kind != REACH_BODY)
			continue;
		if (n->clone_kind == CLONE_SPECIALISED || n->clone_kind == CLONE_SPLIT)
			for (size_t i = 0; i < n->callers.n; i++)
				reach(l, &tail, n->callers.ids[i], REACH_CALLER,
				      WHY_CALLS_CLONE, x);
		for (size_t i = 0; i < n->callees.n; i++) {
			int callee = n->callees.ids[i];
			if (g->nodes[callee].clone_kind == CLONE_SPECIALISED)
				reach(l, &tail, callee, REACH_BODY,
				      WHY_CALLEE_CLONE, x);
		}
	}
	l->n_found = 0;
	for (size_t i = 0; i < tail; i++) {
		int node = l->queue[i];
		if (l->reach[node] == REACH_NONE)
			continue;   /* already collected (queued twice) */
		l->reach[node] = REACH_NONE;
		if (node == f || (g->have_code && !g->nodes[node].defined))
			continue;
		l->found[l->n_found++] = (struct impact_member){
			node, l->via_of[node], l->why_of[node] };
	}
	qsort_r(l->found, l->n_found, sizeof *l->found, by_name, (void *)g);
}

const char *impact_why_word(enum impact_why why)
{
	switch (why) {
	case WHY_CLONE:
		return "clone";
	case WHY_INLINED:
		return "inlined";
	case WHY_CALLS_CLONE:
		return "calls-clone";
	case WHY_CALLEE_CLONE:
		return "callee-clone";
	}
	return "";
}
