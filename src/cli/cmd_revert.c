/* suture revert: see man/suture-revert.1. */
#include "cli/commands.h"
#include "cli/many.h"
#include "cli/runtime_args.h"
#include "common/error.h"
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char usage_revert[] =
	"usage: suture revert [--timeout SECONDS] [--force] [--dry-run] [--json] PID...|--all NAME|--all\n"
	"  NAME is the patch's name (see suture status); --all as NAME reverts every patch,\n"
	"  newest first; --all as PID every process that has the patch.\n"
	"  --force    thread: at the timeout, switch the threads left back anyway (unsafe)\n"
	"  --dry-run  say which processes would be reverted, change nothing\n"
	"  --json     the outcome per process as JSON (schemas/revert.json)\n";

int cmd_revert(int argc, char **argv)
{
	atexit(runtime_print_timing);
	struct runtime_args ra;
	int status = EXIT_USAGE;
	if (runtime_args_parse("revert", argc, argv, &ra, true) < 0)
		;
	else if (ra.model)
		usage_error("revert", "a patch is reverted under the model it was applied with; "
			    "--consistency does not apply");
	else
		status = revert_many(strcmp(ra.last, "--all") == 0 ? NULL : ra.last, &ra);
	runtime_args_free(&ra);
	return status;
}
