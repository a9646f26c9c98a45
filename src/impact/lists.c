#include "impact/lists.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

/* How a node holds F's code; a stronger kind replaces a weaker one.
 *   CALLER: only calls to a clone whose signature may change;
 *   HOST:   F's family's code, inlined into it;
 *   BODY:   F's family itself, or code that changes as a whole with F
 *           (a callee clone specialised on what F passes, and anything
 *           that holds that). */
enum { REACH_NONE, REACH_CALLER, REACH_HOST, REACH_BODY };

void lister_init(struct lister *l, const struct graph *g)
{
	memset(l, 0, sizeof *l);
	l->g = g;
	size_t n = g->n ? g->n : 1;
	l->reach = xcalloc(n, 1);
	/* a node enters the queue at most once per kind */
	l->queue = xcalloc(3 * n, sizeof *l->queue);
	l->family = xcalloc(n, sizeof *l->family);
	l->passes_to = xcalloc(n, sizeof *l->passes_to);
	l->in_code = xcalloc(n, sizeof *l->in_code);
	l->found = xcalloc(n, sizeof *l->found);
	l->why_of = xcalloc(n, sizeof *l->why_of);
	l->via_of = xcalloc(n, sizeof *l->via_of);
}

void lister_free(struct lister *l)
{
	free(l->reach);
	free(l->queue);
	free(l->found);
	free(l->family);
	free(l->passes_to);
	free(l->in_code);
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

/* The function a clone was made from, through clones of clones. */
static int clone_root(const struct graph *g, int id)
{
	for (size_t depth = 0; g->nodes[id].clone_of.n && depth < g->n; depth++)
		id = g->nodes[id].clone_of.ids[0];
	return id;
}

/* Marks F and its clones: F's family, F's own out-of-line code.  Leaves
 * them in the queue; returns how many. */
static size_t mark_family(struct lister *l, int f)
{
	const struct graph *g = l->g;
	size_t head = 0, tail = 0;
	l->family[f] = l->run;
	l->queue[tail++] = f;
	while (head < tail) {
		const struct fnode *n = &g->nodes[l->queue[head++]];
		for (size_t i = 0; i < n->clones.n; i++)
			if (l->family[n->clones.ids[i]] != l->run) {
				l->family[n->clones.ids[i]] = l->run;
				l->queue[tail++] = n->clones.ids[i];
			}
	}
	return tail;
}

/* Marks, by root, the functions F's code passes anything to: those the
 * family calls, and those the bodies GCC inlined into the family call
 * (they are the family's calls).  The inlined functions themselves too:
 * a copy of F inlined elsewhere may call one of them (or a clone of it)
 * where F's own copy inlined it. */
static void mark_passes_to(struct lister *l, size_t n_family)
{
	const struct graph *g = l->g;
	size_t head = 0, tail = n_family;   /* the family is in the queue */
	for (size_t i = 0; i < n_family; i++)
		l->in_code[l->queue[i]] = l->run;
	while (head < tail) {
		const struct fnode *n = &g->nodes[l->queue[head++]];
		for (size_t i = 0; i < n->callees.n; i++)
			l->passes_to[clone_root(g, n->callees.ids[i])] = l->run;
		for (size_t i = 0; i < n->inlined.n; i++) {
			int inner = n->inlined.ids[i];
			l->passes_to[clone_root(g, inner)] = l->run;
			if (l->in_code[inner] != l->run) {
				l->in_code[inner] = l->run;
				l->queue[tail++] = inner;
			}
		}
	}
}

/* Whether CALLEE, a specialised clone called from code that holds F's
 * inlined body, can have been specialised on what F's code passes.  When
 * F's own out-of-line code is in the files, its calls show which
 * functions F passes anything to; when GCC removed F, any could be. */
static bool f_may_pass_to(const struct lister *l, int f, int callee)
{
	const struct graph *g = l->g;
	if (!g->nodes[f].defined || g->nodes[f].clone_of.n)
		return true;
	return l->passes_to[clone_root(g, callee)] == l->run;
}

static void follow_callee_clones(struct lister *l, size_t *tail, int f, int x, int kind)
{
	const struct graph *g = l->g;
	const struct fnode *n = &g->nodes[x];
	for (size_t i = 0; i < n->callees.n; i++) {
		int callee = n->callees.ids[i];
		if (g->nodes[callee].clone_kind != CLONE_SPECIALISED)
			continue;
		if (kind == REACH_BODY || f_may_pass_to(l, f, callee))
			reach(l, tail, callee, REACH_BODY, WHY_CALLEE_CLONE, x);
	}
}

void lister_run(struct lister *l, int f)
{
	const struct graph *g = l->g;
	size_t head = 0, tail = 0;
	l->run++;
	mark_passes_to(l, mark_family(l, f));
	reach(l, &tail, f, REACH_BODY, WHY_CLONE, f);
	while (head < tail) {
		int x = l->queue[head++];
		const struct fnode *n = &g->nodes[x];
		int kind = l->reach[x];
		/* the family's inlined copies are hosts; whatever holds other
		 * changed code (a callee clone's) is taken whole */
		int host_kind = kind == REACH_BODY && l->family[x] != l->run ? REACH_BODY :
				kind == REACH_CALLER ? REACH_CALLER : REACH_HOST;
		for (size_t i = 0; i < n->clones.n; i++)
			reach(l, &tail, n->clones.ids[i], kind, WHY_CLONE, x);
		for (size_t i = 0; i < n->inlined_into.n; i++)
			reach(l, &tail, n->inlined_into.ids[i], host_kind, WHY_INLINED, x);
		if (kind == REACH_CALLER)
			continue;
		if (n->clone_kind == CLONE_SPECIALISED || n->clone_kind == CLONE_SPLIT)
			for (size_t i = 0; i < n->callers.n; i++)
				reach(l, &tail, n->callers.ids[i], REACH_CALLER,
				      WHY_CALLS_CLONE, x);
		follow_callee_clones(l, &tail, f, x, kind);
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
