/* suture revert: see man/suture-revert.1. */
#include "cli/commands.h"
#include "cli/runtime_args.h"
#include "common/error.h"
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char usage_revert[] =
	"usage: suture revert [--timeout SECONDS] [--force] PID|--all NAME|--all\n"
	"  NAME is the patch's name (see suture status); --all as NAME reverts every patch,\n"
	"  newest first; --all as PID every process that has the patch.\n";

int cmd_revert(int argc, char **argv)
{
	atexit(runtime_print_timing);
	struct runtime_args ra;
	if (runtime_args_parse("revert", argc, argv, &ra, true) < 0)
		return EXIT_USAGE;
	if (ra.npos != 1)
		return usage_error("revert", "expects PID|--all and one NAME|--all");
	if (ra.model)
		return usage_error("revert", "a patch is reverted under the model it was applied with; "
				   "--consistency does not apply");
	const char *name = strcmp(ra.pos[0], "--all") == 0 ? NULL : ra.pos[0];
	const char *shown = name ? name : "every patch";
	if (!ra.all) {
		int rc = runtime_revert_force(ra.pid, name, ra.timeout, false, ra.force);
		if (rc == 0) {
			printf("reverted %s%s%s in process %d\n", name ? "'" : "", shown, name ? "'" : "", ra.pid);
			return EXIT_DONE;
		}
		err_print("suture revert");
		return rc == RT_TIMEOUT ? EXIT_TIMEOUT : EXIT_FAILED;
	}
	pid_t *pids;
	size_t n = list_pids(&pids), ndone = 0;
	int status = EXIT_DONE;
	bool tty = isatty(2);
	for (size_t i = 0; i < n; i++) {
		if (tty && (i % 16 == 0 || i + 1 == n))
			fprintf(stderr, "\rsuture revert: %zu/%zu processes looked at, %zu reverted", i + 1, n, ndone);
		if (pids[i] == getpid() || !runtime_has_state(pids[i]))
			continue;
		int rc = runtime_revert_force(pids[i], name, ra.timeout, true, ra.force);
		if (rc == 0)
			ndone++;
		else if (rc != RT_NOT_TARGET && runtime_pid_usable(pids[i])) {
			err_print("suture revert");
			status = rc == RT_TIMEOUT ? EXIT_TIMEOUT : EXIT_FAILED;
		}
	}
	free(pids);
	if (tty)
		fprintf(stderr, "\r\033[K");
	if (status == EXIT_DONE && ndone == 0) {
		err_report("suture revert", "no process has %s%s%s applied; see 'suture status'",
			   name ? "patch '" : "any patch", name ? name : "", name ? "'" : "");
		return EXIT_FAILED;
	}
	if (ndone)
		printf("reverted %s%s%s in %zu process%s\n", name ? "'" : "", shown, name ? "'" : "", ndone,
		       ndone == 1 ? "" : "es");
	return status;
}
