/* suture apply: see man/suture-apply.1. */
#include "cli/commands.h"
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
	"                    [--require-signature [--keys DIR]] PID|--all PATCH\n"
	"  --consistency MODEL  thread (default: each thread switches when no replaced function is on\n"
	"                       its stack, kGraft), stop (all at once, when no thread is in a replaced\n"
	"                       function, kpatch) or none (switch at once, libpulp)\n"
	"  --timeout SECONDS    how long to retry the switch (default 10)\n"
	"  --force              thread: at the timeout, switch the threads left anyway (unsafe)\n"
	"  --replace            cumulative patch: replaces every earlier patch of its objects\n"
	"  --all                every process that maps the patch's target object\n"
	"  --require-signature  refuse a patch not signed by a trusted key (suture sign)\n"
	"  --keys DIR           the trusted public keys (default $SUTURE_KEYS_DIR, else /etc/suture/keys)\n";

/* --all: every process that runs the target; on a failure, the ones
 * already patched are reverted, so nothing is changed anywhere. */
static int apply_all(struct patch_file *pf, struct apply_opts *o)
{
	pid_t *pids;
	size_t n = list_pids(&pids);
	pid_t *done = calloc(n + 1, sizeof *done);
	size_t ndone = 0;
	char *first_skip = NULL;
	int status = EXIT_DONE;
	const char *name = patch_string(pf, pf->header->name);
	o->quiet_not_target = true;
	bool tty = isatty(2);
	for (size_t i = 0; i < n; i++) {
		if (tty && (i % 16 == 0 || i + 1 == n))
			fprintf(stderr, "\rsuture apply: %zu/%zu processes looked at, %zu patched", i + 1, n, ndone);
		if (pids[i] == getpid() || !runtime_maps_target(pids[i], pf))
			continue;
		int rc = runtime_apply(pids[i], pf, o);
		if (rc == 0) {
			done[ndone++] = pids[i];
			continue;
		}
		if (rc == RT_OTHER_BUILD) {
			if (tty)
				fprintf(stderr, "\r\033[K");
			fprintf(stderr, "suture apply: skipped process %d: %s\n", pids[i], err_msg());
			if (!first_skip)
				first_skip = strdup(err_msg());
			continue;
		}
		if (rc == RT_NOT_TARGET || !runtime_pid_usable(pids[i]))
			continue;
		if (tty)
			fprintf(stderr, "\r\033[K");
		err_print("suture apply");
		status = rc == RT_TIMEOUT ? EXIT_TIMEOUT : EXIT_FAILED;
		break;
	}
	if (tty)
		fprintf(stderr, "\r\033[K");
	if (status != EXIT_DONE) {
		for (size_t k = ndone; k-- > 0;)
			if (runtime_revert(done[k], name, o->timeout, true) < 0)
				err_print("suture apply: undoing");
		if (ndone)
			fprintf(stderr, "suture apply: reverted '%s' in the %zu process(es) already patched\n",
				name, ndone);
	} else if (ndone == 0) {
		err_report("suture apply", "no process runs the patch's target%s%s",
			   first_skip ? ": " : "", first_skip ? first_skip : "");
		status = EXIT_FAILED;
	} else {
		printf("applied '%s' to %zu process%s\n", name, ndone, ndone == 1 ? "" : "es");
	}
	free(first_skip);
	free(done);
	free(pids);
	return status;
}

int cmd_apply(int argc, char **argv)
{
	atexit(runtime_print_timing);
	struct apply_opts o = { .model = CM_THREAD, .timeout = 10.0 };
	struct runtime_args ra;
	if (runtime_args_parse("apply", argc, argv, &ra, true) < 0)
		return EXIT_USAGE;
	if (ra.npos != 1)
		return usage_error("apply", "expects PID|--all and one PATCH");
	o.timeout = ra.timeout;
	o.replace = ra.replace;
	o.force = ra.force;
	o.model = !ra.model || strcmp(ra.model, "thread") == 0 ? CM_THREAD
		: strcmp(ra.model, "stop") == 0 ? CM_STOP : CM_NONE;
	struct patch_file *pf = patch_file_open(ra.pos[0]);
	if (!pf || (ra.require_signature &&
		    signature_require_patch(ra.pos[0], pf->bytes, pf->image_len, &pf->trailer,
					    ra.keys_dir) < 0)) {
		err_print("suture apply");
		patch_file_close(pf);
		return EXIT_FAILED;
	}
	int status;
	if (ra.all) {
		status = apply_all(pf, &o);
	} else {
		int rc = runtime_apply(ra.pid, pf, &o);
		if (rc == 0) {
			printf("applied '%s' to process %d\n", patch_string(pf, pf->header->name), ra.pid);
			status = EXIT_DONE;
		} else {
			err_print("suture apply");
			status = rc == RT_TIMEOUT ? EXIT_TIMEOUT : EXIT_FAILED;
		}
	}
	patch_file_close(pf);
	return status;
}
