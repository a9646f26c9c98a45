/* suture remove: see man/suture-remove.1. */
#include "cli/commands.h"
#include "common/error.h"
#include "common/warning.h"
#include "store/deploy.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

const char usage_remove[] =
	"usage: suture remove [--timeout SECONDS] NAME\n"
	"  reverts the installed patch NAME in every process that runs it, and\n"
	"  forgets it: `suture watch` no longer applies it\n"
	"  --timeout SECONDS  how long each switch may wait (default 10)\n";

/* Hidden from watch first, so no new process gets it while it is being
 * reverted; on a failure it is applied again where it was reverted and
 * stays installed. */
static int remove_patch(const char *name, double timeout)
{
	if (store_hide(name) < 0) {
		err_print("suture remove");
		return EXIT_FAILED;
	}
	char *hidden = store_hidden_path(name);
	struct patch_file *pf = patch_file_open(hidden);
	struct deployment d = { 0 };
	int status = EXIT_DONE;
	int rc = pf ? undeploy_running(pf, timeout, &d) : -1;
	warn_print("suture remove");
	if (rc < 0) {
		err_print("suture remove");
		store_unhide(name);
		fprintf(stderr, "suture remove: '%s' stays installed; every process runs what it ran\n", name);
		status = EXIT_FAILED;
	} else if (store_delete(name) < 0) {
		err_print("suture remove");
		status = EXIT_FAILED;
	} else {
		printf("removed '%s'; reverted in %zu process%s", name, d.n, d.n == 1 ? "" : "es");
		for (size_t i = 0; i < d.n; i++)
			printf("%s%d (%s)", i ? " " : ": ", d.v[i].pid, d.v[i].comm);
		printf("\n");
	}
	deployment_free(&d);
	patch_file_close(pf);
	free(hidden);
	return status;
}

int cmd_remove(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 'T' },
		{ 0 },
	};
	double timeout = 10.0;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		char *end;
		if (c != 'T')
			return option_error("remove", c, argv);
		timeout = strtod(optarg, &end);
		if (*end || end == optarg || timeout <= 0)
			return usage_error("remove", "--timeout takes a number of seconds, not '%s'", optarg);
	}
	if (argc - optind != 1)
		return usage_error("remove", "expects one NAME (see 'suture list')");
	return remove_patch(argv[optind], timeout);
}
