/* Applying an installed patch to the processes already running its
 * target build (`suture install`, and `suture watch` when it starts). */
#ifndef SUTURE_STORE_DEPLOY_H
#define SUTURE_STORE_DEPLOY_H

#include "runtime/runtime.h"

#include <stdbool.h>
#include <stddef.h>

/* The consistency model of install, remove and watch: the spec's default,
 * `thread`.  A process watch holds at its entry point has one thread, so
 * its one check is the whole transition (docs/operations.md). */
#define STORE_MODEL CM_THREAD

struct deployed {
	pid_t pid;
	char comm[32];
	bool ok;
	char *message;          /* why not (ok false) */
};

struct deployment {
	struct deployed *v;
	size_t n;
};

/* Applies PF to every process that maps its exact target build and does
 * not run it yet.  ALL_OR_NOTHING: at the first failure, reverts it where
 * it was applied and returns -1 with err_set() naming the process; else
 * records the failure and goes on.  Processes of another build are left
 * alone. */
int deploy_running(struct patch_file *pf, const struct apply_opts *o, bool all_or_nothing,
		   struct deployment *out);
/* Reverts patch NAME in every process that runs it.  At the first
 * failure, applies it again (from PF) where it was reverted and returns -1
 * with err_set() naming the process. */
int undeploy_running(struct patch_file *pf, double timeout, struct deployment *out);
void deployment_free(struct deployment *d);

#endif
