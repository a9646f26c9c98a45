/* suture apply: see man/suture-apply.1. */
#include "cli/commands.h"
#include "cli/many.h"
#include "cli/runtime_args.h"
#include "common/error.h"
#include "patchfile/patchread.h"
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char usage_apply[] =
	"usage: suture apply [--consistency thread|stop|none] [--timeout SECONDS] [--replace]\n"
	"                    [--target FILE] [--dry-run] [--json] PID...|--all PATCH\n"
	"  --consistency MODEL  thread (default; not available yet), stop (no thread in a replaced\n"
	"                       function, kpatch) or none (switch at once, libpulp)\n"
	"  --timeout SECONDS    how long to retry the switch (default 10)\n"
	"  --replace            cumulative patch: replaces every earlier patch of its objects\n"
	"  --all                every process that maps the patch's target object (by build-id)\n"
	"  --target FILE        the build the patch is for, when it has no build-id (suture diff -o)\n"
	"  --dry-run            say which processes would be patched, change nothing\n"
	"  --json               the outcome per process as JSON (schemas/apply.json)\n";

int cmd_apply(int argc, char **argv)
{
	atexit(runtime_print_timing);
	struct apply_opts o = { .model = CM_THREAD, .timeout = 10.0 };
	struct runtime_args ra;
	if (runtime_args_parse("apply", argc, argv, &ra, true) < 0)
		return runtime_args_free(&ra), EXIT_USAGE;
	o.timeout = ra.timeout;
	o.replace = ra.replace;
	if (!ra.model || strcmp(ra.model, "thread") == 0) {
		err_report("suture apply", "the 'thread' consistency model (the default) is not available in "
			   "this version yet; use --consistency stop (or none)");
		return EXIT_FAILED;
	}
	o.model = strcmp(ra.model, "stop") == 0 ? CM_STOP : CM_NONE;
	struct patch_file *pf = patch_file_open(ra.last);
	if (!pf) {
		err_print("suture apply");
		runtime_args_free(&ra);
		return EXIT_FAILED;
	}
	int status = apply_many(pf, &o, &ra);
	patch_file_close(pf);
	runtime_args_free(&ra);
	return status;
}
