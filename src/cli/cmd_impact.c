/* suture impact: see man/suture-impact.1. */
#include "cli/commands.h"
#include "common/error.h"
#include "common/util.h"
#include "impact/impact.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

const char usage_impact[] =
	"usage: suture impact [--json] [--function NAME]... [--all] FILE...\n"
	"  FILE: objects, executables or shared libraries built with\n"
	"  'suture-cc -fease-live-patching' (or kept -fdump-ipa-clones dumps)\n";

int cmd_impact(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "function", required_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct impact_request req = {0};
	const char **functions = xcalloc((size_t)argc, sizeof *functions);
	bool all = false;
	int opt;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			req.json = true;
			break;
		case 'f':
			functions[req.n_functions++] = optarg;
			break;
		case 'a':
			all = true;
			break;
		default:
			free(functions);
			return option_error("impact", opt, argv);
		}
	}
	if (optind >= argc) {
		free(functions);
		return usage_error("impact", "no FILE given");
	}
	if (all && req.n_functions) {
		free(functions);
		return usage_error("impact", "--all and --function exclude each other");
	}
	req.functions = functions;
	int ret = impact_print_lists((const char *const *)argv + optind, (size_t)(argc - optind),
				     &req, stdout);
	free(functions);
	if (ret < 0) {
		fflush(stdout);
		err_print("suture impact");
		return EXIT_FAILED;
	}
	return EXIT_DONE;
}
