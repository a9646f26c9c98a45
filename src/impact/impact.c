/* impact_print_lists(): read a build, compute its impacted lists, print. */
#include "impact/impact.h"
#include "impact/build_graph.h"
#include "cc/unit_record.h"
#include "impact/code.h"
#include "impact/graph.h"
#include "impact/lists.h"
#include "common/error.h"
#include "common/input.h"
#include "common/json.h"
#include "common/util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REBUILD_HINT "rebuild it with 'suture-cc -fease-live-patching' (CC='suture-cc -fease-live-patching')"

/* A file that is not ELF: accepted when it is a kept -fdump-ipa-clones dump. */
static int read_dump_file(struct graph *g, const char *path)
{
	size_t len;
	char *text = input_read(path, &len);
	if (!text)
		return -1;
	int ret;
	if (len == 0)
		ret = err_set("%s is empty; give the objects, executables or shared libraries "
			      "of a suture-cc build, or their -fdump-ipa-clones dumps", path);
	else if (!str_starts_with(text, "Callgraph ") && !str_ends_with(path, ".ipa-clones"))
		ret = err_set("%s is neither an ELF file nor a -fdump-ipa-clones dump; give the "
			      "objects, executables or shared libraries of a suture-cc build", path);
	else
		ret = graph_add_dump(g, text, path);
	free(text);
	return ret;
}

/* Non-blocking, so that a FIFO does not hang here: read_dump_file()
 * refuses it with its reason. */
static bool is_elf_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	char magic[4] = {0};
	if (fd < 0)
		return false;
	struct stat st;
	bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	ssize_t got = regular ? read(fd, magic, 4) : 0;
	close(fd);
	return got == 4 && memcmp(magic, "\177ELF", 4) == 0;
}

static int add_unit_dump(struct graph *g, const char *path, const struct unit_record *u)
{
	char *where = xasprintf("%s (unit %s)", path, u->source ? u->source : "?");
	int ret = 0;
	for (size_t i = 0; ret == 0 && i < u->n_ipa_clones; i++)
		ret = graph_add_dump_line(g, u->ipa_clones[i], where, i + 1);
	free(where);
	return ret;
}

/* Reads an ELF file's unit records and code.  *N_UNITS gets the number of
 * records it holds. */
static int read_elf_file(struct graph *g, const char *path, size_t *n_units)
{
	struct elf_file *ef = elf_file_open(path);
	if (!ef)
		return -1;
	struct unit_records units = {0};
	int ret = unit_records_read(ef, &units);
	*n_units = units.n_units;
	for (size_t i = 0; ret >= 0 && i < units.n_units; i++)
		ret = add_unit_dump(g, path, &units.units[i]);
	if (ret >= 0)
		ret = code_add_file(g, ef);
	unit_records_free(&units);
	elf_file_close(ef);
	return ret < 0 ? -1 : 0;
}

/* Reads every file into G.  An ELF file without records is refused unless
 * dumps are given beside it (then it only contributes its code). */
int impact_read_build(struct graph *g, const char *const *files, size_t n_files)
{
	size_t n_dumps = 0;
	for (size_t i = 0; i < n_files; i++)
		if (!is_elf_file(files[i]))
			n_dumps++;
	for (size_t i = 0; i < n_files; i++) {
		if (!is_elf_file(files[i])) {
			if (read_dump_file(g, files[i]) < 0)
				return -1;
			continue;
		}
		size_t n_units;
		if (read_elf_file(g, files[i], &n_units) < 0)
			return -1;
		if (n_units == 0 && n_dumps == 0)
			return err_set("%s holds no unit records: built without suture-cc "
				       "-fease-live-patching; " REBUILD_HINT, files[i]);
	}
	code_link_names(g);
	return 0;
}

/* GCC's clone names, for clones no dump describes (libgcc's, linked in). */
bool impact_named_like_clone(const char *name)
{
	static const char *const infixes[] = { ".constprop.", ".isra.", ".part.", ".simdclone." };
	for (size_t i = 0; i < ARRAY_SIZE(infixes); i++)
		if (strstr(name, infixes[i]))
			return true;
	return str_starts_with(name, "_ZGV");
}

/* Functions that get a list of their own: source functions, not clones. */
static bool is_source_function(const struct fnode *n)
{
	return n->clone_of.n == 0 && (n->defined || n->from_records) &&
	       !impact_named_like_clone(n->name);
}

static int by_node_name(const void *a, const void *b, void *graph)
{
	const struct graph *g = graph;
	return strcmp(g->nodes[*(const int *)a].name, g->nodes[*(const int *)b].name);
}

/* The nodes to print, in output order; -1 and err_set() for an unknown
 * --function. */
static int select_functions(const struct graph *g, const struct impact_request *req,
			    int **out, size_t *n_out)
{
	int *ids = xcalloc(g->n + req->n_functions + 1, sizeof *ids);
	size_t n = 0;
	if (req->n_functions == 0) {
		for (size_t id = 0; id < g->n; id++)
			if (is_source_function(&g->nodes[id]))
				ids[n++] = (int)id;
		qsort_r(ids, n, sizeof *ids, by_node_name, (void *)g);
	}
	for (size_t i = 0; i < req->n_functions; i++) {
		const char *name = req->functions[i];
		int id = graph_find(g, name);
		if (id < 0) {
			free(ids);
			return err_set("no function named '%s' in the files given; "
				       "'suture impact --all FILE...' lists every function", name);
		}
		ids[n++] = id;
	}
	*out = ids;
	*n_out = n;
	return 0;
}

static void print_text_list(FILE *out, const struct graph *g, int f, const struct lister *l)
{
	fputs(g->nodes[f].name, out);
	fputc(':', out);
	for (size_t i = 0; i < l->n_found; i++)
		fprintf(out, " %s", g->nodes[l->found[i].node].name);
	fputc('\n', out);
}

static void print_json_list(FILE *out, const struct graph *g, int f, const struct lister *l,
			    bool first)
{
	const struct fnode *n = &g->nodes[f];
	fputs(first ? "\n    {\"function\": " : ",\n    {\"function\": ", out);
	json_string(out, n->name);
	/* "removed": the function has no code of its own in the files read */
	fprintf(out, ", \"removed\": %s, \"impacted\": [",
		g->have_code && !n->defined ? "true" : "false");
	for (size_t i = 0; i < l->n_found; i++) {
		const struct impact_member *m = &l->found[i];
		fputs(i ? ",\n      {\"name\": " : "\n      {\"name\": ", out);
		json_string(out, g->nodes[m->node].name);
		fprintf(out, ", \"why\": \"%s\", \"via\": ", impact_why_word(m->why));
		json_string(out, g->nodes[m->via].name);
		fputc('}', out);
	}
	fputs(l->n_found ? "\n    ]}" : "]}", out);
}

int impact_print_lists(const char *const *files, size_t n_files,
		       const struct impact_request *req, FILE *out)
{
	struct graph g;
	graph_init(&g);
	int *ids = NULL;
	size_t n_ids = 0;
	if (impact_read_build(&g, files, n_files) < 0 || select_functions(&g, req, &ids, &n_ids) < 0) {
		graph_free(&g);
		return -1;
	}
	struct lister l;
	lister_init(&l, &g);
	if (req->json) {
		json_begin(out, 1);
		fputs(", \"functions\": [", out);
	}
	for (size_t i = 0; i < n_ids; i++) {
		lister_run(&l, ids[i]);
		if (req->json)
			print_json_list(out, &g, ids[i], &l, i == 0);
		else
			print_text_list(out, &g, ids[i], &l);
	}
	if (req->json)
		fputs(n_ids ? "\n]}\n" : "]}\n", out);
	lister_free(&l);
	free(ids);
	graph_free(&g);
	return 0;
}
