/* Reading a build into the impact graph, for the users of the graph
 * inside src/impact (impact.c, query.c). */
#ifndef SUTURE_IMPACT_BUILD_GRAPH_H
#define SUTURE_IMPACT_BUILD_GRAPH_H

#include "impact/graph.h"

#include <stdbool.h>

/* Reads the unit records and code of FILES (objects, executables, shared
 * libraries, kept dumps) into G.  0, or -1 with err_set(). */
int impact_read_build(struct graph *g, const char *const *files, size_t n_files);

/* GCC's clone names (constprop, isra, part, simdclone, vector ABI). */
bool impact_named_like_clone(const char *name);

#endif
