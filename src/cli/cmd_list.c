/* suture list: see man/suture-list.1; --json: schemas/list.json. */
#include "cli/commands.h"
#include "common/error.h"
#include "common/json.h"
#include "elf/elffile.h"
#include "store/running.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char usage_list[] =
	"usage: suture list [--json]\n"
	"  the installed patches (the patch store) and the processes that run them\n";

static void print_text(const struct store_entry *e, const struct running *procs, size_t n)
{
	const struct patch_file *pf = e->pf;
	printf("%s: %u function%s, %s\n", e->name, pf->header->n_funcs, pf->header->n_funcs == 1 ? "" : "s",
	       e->path);
	for (uint32_t k = 0; k < pf->header->n_objects; k++) {
		char hex[2 * SUTURE_BUILD_ID_MAX + 1];
		build_id_to_hex(pf->objects[k].build_id, pf->objects[k].build_id_len, hex);
		printf("  for %s build-id %s%s%s\n", patch_string(pf, pf->objects[k].name), hex,
		       e->target ? ", file " : "", e->target ? e->target : "");
	}
	if (n == 0)
		printf("  runs in no process\n");
	for (size_t i = 0; i < n; i++)
		printf("  runs in process %d (%s)%s%s\n", procs[i].pid, procs[i].comm,
		       strcmp(procs[i].state, "applied") ? ": interrupted, " : "",
		       strcmp(procs[i].state, "applied") ? procs[i].state : "");
}

static void print_json(const struct store_entry *e, const struct running *procs, size_t n, bool first)
{
	const struct patch_file *pf = e->pf;
	printf("%s{\"name\": ", first ? "" : ", ");
	json_string(stdout, e->name);
	printf(", \"path\": ");
	json_string(stdout, e->path);
	printf(", \"target_file\": ");
	json_string(stdout, e->target);
	printf(", \"functions\": %u, \"objects\": [", pf->header->n_funcs);
	for (uint32_t k = 0; k < pf->header->n_objects; k++) {
		char hex[2 * SUTURE_BUILD_ID_MAX + 1];
		build_id_to_hex(pf->objects[k].build_id, pf->objects[k].build_id_len, hex);
		printf("%s{\"name\": ", k ? ", " : "");
		json_string(stdout, patch_string(pf, pf->objects[k].name));
		printf(", \"build_id\": \"%s\"}", hex);
	}
	printf("], \"processes\": [");
	for (size_t i = 0; i < n; i++) {
		printf("%s{\"pid\": %d, \"comm\": ", i ? ", " : "", procs[i].pid);
		json_string(stdout, procs[i].comm);
		printf(", \"state\": \"%s\"}", procs[i].state);
	}
	printf("]}");
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' }, { 0 } };
	bool json = false;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c != 'j')
			return option_error("list", c, argv);
		json = true;
	}
	if (optind != argc)
		return usage_error("list", "takes no operand");
	struct store_entry *v;
	size_t n;
	char *warn;
	if (store_load(&v, &n, &warn) < 0) {
		err_print("suture list");
		return EXIT_FAILED;
	}
	if (warn)
		err_report("suture list", "%s", warn);
	if (json)
		printf("{\"schema_version\": 1, \"store\": \"%s\", \"patches\": [", store_dir());
	else if (n == 0)
		printf("no patch is installed (store %s)\n", store_dir());
	for (size_t i = 0; i < n; i++) {
		struct running *procs;
		size_t nprocs;
		running_processes(v[i].name, &procs, &nprocs);
		if (json)
			print_json(&v[i], procs, nprocs, i == 0);
		else
			print_text(&v[i], procs, nprocs);
		free(procs);
	}
	if (json)
		printf("]}\n");
	store_entries_free(v, n);
	free(warn);
	return EXIT_DONE;
}
