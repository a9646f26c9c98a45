/* suture apply: see man/suture-apply.1. */
#include "cli/commands.h"
#include "cli/many.h"
#include "cli/runtime_args.h"
#include "common/error.h"
#include "patchfile/patchread.h"
#include "runtime/runtime.h"
#include "trust/sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char usage_apply[] =
	"usage: suture apply [--consistency thread|stop|none] [--timeout SECONDS] [--force] [--replace]\n"
	"                    [--require-signature [--keys DIR]] [--target FILE] [--dry-run] [--json]\n"
	"                    PID...|--all PATCH\n"
	"  --consistency MODEL  thread (default: each thread switches when no replaced function is on\n"
	"                       its stack, kGraft), stop (all at once, when no thread is in a replaced\n"
	"                       function, kpatch) or none (switch at once, libpulp)\n"
	"  --timeout SECONDS    how long to retry the switch (default 10)\n"
	"  --force              thread: at the timeout, switch the threads left anyway (unsafe)\n"
	"  --replace            cumulative patch: replaces every earlier patch of its objects\n"
	"  --all                every process that maps the patch's target object (by build-id)\n"
	"  --target FILE        the build the patch is for, when it has no build-id (suture diff -o)\n"
	"  --dry-run            say which processes would be patched, change nothing\n"
	"  --json               the outcome per process as JSON (schemas/apply.json)\n"
	"  --require-signature  refuse a patch not signed by a trusted key (suture sign)\n"
	"  --keys DIR           the trusted public keys (default $SUTURE_KEYS_DIR, else /etc/suture/keys)\n";

int cmd_apply(int argc, char **argv)
{
	atexit(runtime_print_timing);
	struct apply_opts o = { .model = CM_THREAD, .timeout = 10.0 };
	struct runtime_args ra;
	if (runtime_args_parse("apply", argc, argv, &ra, true) < 0)
		return runtime_args_free(&ra), EXIT_USAGE;
	o.timeout = ra.timeout;
	o.replace = ra.replace;
	o.force = ra.force;
	o.model = !ra.model || strcmp(ra.model, "thread") == 0 ? CM_THREAD
		: strcmp(ra.model, "stop") == 0 ? CM_STOP : CM_NONE;
	struct patch_file *pf = patch_file_open(ra.last);
	if (!pf || (ra.require_signature &&
		    signature_require_patch(ra.last, pf->bytes, pf->image_len, &pf->trailer,
					    ra.keys_dir) < 0)) {
		err_print("suture apply");
		patch_file_close(pf);
		runtime_args_free(&ra);
		return EXIT_FAILED;
	}
	int status = apply_many(pf, &o, &ra);
	patch_file_close(pf);
	runtime_args_free(&ra);
	return status;
}
