/* The clone/inline/reference graph of a build, one node per function name
 * (as the final symbols spell it).
 *
 * Nodes are keyed by name alone: a `static` function of one name in two
 * translation units is one node.  That can only make lists longer, never
 * miss a function, and it is exactly right for functions defined in a
 * header and inlined in many units. */
#ifndef SUTURE_IMPACT_GRAPH_H
#define SUTURE_IMPACT_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

struct id_vec {
	int *ids;
	size_t n, cap;
};

/* How a clone relates to its original; decides which rules apply to it. */
enum clone_kind {
	CLONE_NONE = 0,
	CLONE_SPECIALISED,  /* constprop, isra: shaped by what the callers pass */
	CLONE_SPLIT,        /* part: signature chosen from the body's split point */
	CLONE_SAME_ABI,     /* simdclone, target clones: the declared ABI, fixed */
};

struct fnode {
	char *name;
	bool defined;        /* a function symbol in one of the ELF files read */
	bool from_records;   /* named in a -fdump-ipa-clones dump */
	bool removed;        /* "Callgraph removal" in some dump */
	enum clone_kind clone_kind;  /* set when the node is some function's clone */
	char *clone_reason;  /* the dump's reason ("constprop", "avx2", ...) */
	struct id_vec clones;        /* clones made of this function */
	struct id_vec clone_of;      /* what it is a clone of */
	struct id_vec inlined_into;  /* functions its body was inlined into */
	struct id_vec inlined;       /* functions whose bodies were inlined into it */
	struct id_vec callers;       /* functions whose code refers to it */
	struct id_vec callees;       /* functions its code refers to */
};

struct graph {
	struct fnode *nodes;
	size_t n, cap;
	int *table;          /* open-addressing hash: node index + 1, 0 = empty */
	size_t table_size;
	bool have_code;      /* some ELF file's symbols were read */
};

void graph_init(struct graph *g);
void graph_free(struct graph *g);

/* The node named NAME (LEN bytes), created when missing. */
int graph_node(struct graph *g, const char *name, size_t len);
/* The node named NAME, or -1. */
int graph_find(const struct graph *g, const char *name);

void graph_add_clone(struct graph *g, int orig, int clone, const char *reason);
void graph_add_inline(struct graph *g, int callee, int into);
void graph_add_ref(struct graph *g, int caller, int callee);

/* Adds the lines of one -fdump-ipa-clones dump.  WHERE names its origin
 * for messages.  Returns 0, or -1 with err_set() on a malformed line. */
int graph_add_dump(struct graph *g, const char *text, const char *where);
/* Same for one line (LINENO for messages). */
int graph_add_dump_line(struct graph *g, const char *line, const char *where, size_t lineno);

/* The function a piece belongs to: "f.cold" -> "f", "f.part.0.cold" ->
 * "f.part.0".  Returns the length of the parent's name within NAME. */
size_t piece_parent_len(const char *name);

#endif
