#include "impact/graph.h"
#include "common/error.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

void graph_init(struct graph *g)
{
	memset(g, 0, sizeof *g);
	g->table_size = 1024;
	g->table = xcalloc(g->table_size, sizeof *g->table);
}

static void id_vec_free(struct id_vec *v)
{
	free(v->ids);
}

void graph_free(struct graph *g)
{
	for (size_t i = 0; i < g->n; i++) {
		struct fnode *f = &g->nodes[i];
		free(f->name);
		free(f->clone_reason);
		id_vec_free(&f->clones);
		id_vec_free(&f->clone_of);
		id_vec_free(&f->inlined_into);
		id_vec_free(&f->inlined);
		id_vec_free(&f->callers);
		id_vec_free(&f->callees);
	}
	free(g->nodes);
	free(g->table);
	memset(g, 0, sizeof *g);
}

/* Adds ID unless present: dumps repeat lines (one per inlined call site). */
static void id_vec_add(struct id_vec *v, int id)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->ids[i] == id)
			return;
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 4;
		v->ids = xrealloc(v->ids, v->cap * sizeof *v->ids);
	}
	v->ids[v->n++] = id;
}

static size_t hash_name(const char *s, size_t len)
{
	size_t h = 5381;
	for (size_t i = 0; i < len; i++)
		h = h * 33 + (unsigned char)s[i];
	return h;
}

static int lookup(const struct graph *g, const char *name, size_t len, size_t *slot)
{
	size_t mask = g->table_size - 1;
	size_t i = hash_name(name, len) & mask;
	while (g->table[i]) {
		const char *have = g->nodes[g->table[i] - 1].name;
		if (strncmp(have, name, len) == 0 && have[len] == '\0') {
			*slot = i;
			return g->table[i] - 1;
		}
		i = (i + 1) & mask;
	}
	*slot = i;
	return -1;
}

static void grow_table(struct graph *g)
{
	free(g->table);
	g->table_size *= 2;
	g->table = xcalloc(g->table_size, sizeof *g->table);
	for (size_t id = 0; id < g->n; id++) {
		size_t slot;
		lookup(g, g->nodes[id].name, strlen(g->nodes[id].name), &slot);
		g->table[slot] = (int)id + 1;
	}
}

int graph_node(struct graph *g, const char *name, size_t len)
{
	size_t slot;
	int id = lookup(g, name, len, &slot);
	if (id >= 0)
		return id;
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 256;
		g->nodes = xrealloc(g->nodes, g->cap * sizeof *g->nodes);
	}
	id = (int)g->n++;
	memset(&g->nodes[id], 0, sizeof g->nodes[id]);
	g->nodes[id].name = xasprintf("%.*s", (int)len, name);
	g->table[slot] = id + 1;
	if (2 * g->n > g->table_size)
		grow_table(g);
	return id;
}

int graph_find(const struct graph *g, const char *name)
{
	size_t slot;
	return lookup(g, name, strlen(name), &slot);
}

/* Clone suffixes GCC gives that keep the declared ABI.  Target clones
 * (target_clones attribute) are named ORIG.REASON, e.g. "f.avx2" with the
 * reason "avx2"; every other clone is ORIG.REASON.N. */
static enum clone_kind clone_kind_of(const char *orig, const char *clone, const char *reason)
{
	if (strcmp(reason, "constprop") == 0 || strcmp(reason, "isra") == 0)
		return CLONE_SPECIALISED;
	if (strcmp(reason, "simdclone") == 0)
		return CLONE_SAME_ABI;
	size_t olen = strlen(orig);
	if (strncmp(clone, orig, olen) == 0 && clone[olen] == '.' &&
	    strcmp(clone + olen + 1, reason) == 0)
		return CLONE_SAME_ABI;
	/* "part" and anything this version does not know: the clone's
	 * signature may follow the original's body. */
	return CLONE_SPLIT;
}

void graph_add_clone(struct graph *g, int orig, int clone, const char *reason)
{
	if (orig == clone)
		return;
	struct fnode *c = &g->nodes[clone];
	if (!c->clone_reason) {
		c->clone_reason = xstrdup(reason);
		c->clone_kind = clone_kind_of(g->nodes[orig].name, c->name, reason);
	}
	id_vec_add(&g->nodes[orig].clones, clone);
	id_vec_add(&g->nodes[clone].clone_of, orig);
}

void graph_add_inline(struct graph *g, int callee, int into)
{
	if (callee == into)
		return;
	id_vec_add(&g->nodes[callee].inlined_into, into);
	id_vec_add(&g->nodes[into].inlined, callee);
}

void graph_add_ref(struct graph *g, int caller, int callee)
{
	if (caller == callee)
		return;
	id_vec_add(&g->nodes[callee].callers, caller);
	id_vec_add(&g->nodes[caller].callees, callee);
}

size_t piece_parent_len(const char *name)
{
	/* GCC 12 names hot/cold split pieces F.cold; older ones F.cold.N. */
	const char *cold = strstr(name, ".cold");
	while (cold) {
		const char *after = cold + 5;
		bool digits_only = *after == '\0' || *after == '.';
		if (*after == '.')
			for (const char *p = after + 1; *p; p++)
				digits_only = digits_only && *p >= '0' && *p <= '9';
		if (digits_only && cold != name)
			return (size_t)(cold - name);
		cold = strstr(cold + 1, ".cold");
	}
	return strlen(name);
}

static int parse_dump_line(struct graph *g, char *line, const char *where, size_t lineno);

/* Splits LINE on ';' into at most MAX fields (pointers into a copy). */
static size_t split_fields(char *line, char **fields, size_t max)
{
	size_t n = 0;
	fields[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ';') {
			*p = '\0';
			fields[n++] = p + 1;
		}
	return n;
}

int graph_add_dump_line(struct graph *g, const char *text, const char *where, size_t lineno)
{
	char *line = xstrdup(text);
	int ret = parse_dump_line(g, line, where, lineno);
	free(line);
	return ret;
}

static int parse_dump_line(struct graph *g, char *line, const char *where, size_t lineno)
{
	char *f[12];
	if (str_starts_with(line, "Callgraph clone;")) {
		/* clone;ORIG;order;file;line;col;CLONE;order;file;line;col;REASON */
		if (split_fields(line, f, 12) != 12)
			return err_set("%s: line %zu of the ipa-clones dump is malformed "
				       "(expected 12 fields); was it cut short?", where, lineno);
		int orig = graph_node(g, f[1], strlen(f[1]));
		int other = graph_node(g, f[6], strlen(f[6]));
		g->nodes[orig].from_records = g->nodes[other].from_records = true;
		if (strcmp(f[11], "inlining to") == 0)
			graph_add_inline(g, orig, other);
		else
			graph_add_clone(g, orig, other, f[11]);
	} else if (str_starts_with(line, "Callgraph removal;")) {
		if (split_fields(line, f, 6) < 2)
			return err_set("%s: line %zu of the ipa-clones dump is malformed",
				       where, lineno);
		int id = graph_node(g, f[1], strlen(f[1]));
		g->nodes[id].from_records = true;
		g->nodes[id].removed = true;
	} else if (line[0] != '\0') {
		return err_set("%s: line %zu is not an ipa-clones dump line: '%.40s'",
			       where, lineno, line);
	}
	return 0;
}

int graph_add_dump(struct graph *g, const char *text, const char *where)
{
	size_t lineno = 0;
	const char *p = text;
	struct buf line = {0};
	int ret = 0;
	while (*p && ret == 0) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		line.len = 0;
		buf_add(&line, p, len);
		lineno++;
		ret = parse_dump_line(g, line.data, where, lineno);
		p += len + (nl ? 1 : 0);
	}
	buf_free(&line);
	return ret;
}
