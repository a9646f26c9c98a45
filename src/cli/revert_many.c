/* suture revert PID...|--all: every process it can, then the exact list
 * of those still running the patch, each with its reason. */
#include "cli/many.h"
#include "cli/outcome.h"
#include "cli/progress.h"
#include "common/error.h"
#include "common/warning.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* --all and --dry-run look first: a process that does not run the patch
 * is left out, one whose record cannot be read (gone, or patched by another
 * version of suture) is reported as such, not as still running it. */
static bool looked_at(pid_t pid, const char *name, const struct runtime_args *ra, struct outcomes *oc)
{
	int runs = process_runs_patch(pid, name, NULL, 0, true);
	if (runs < 0 && (!ra->all || runtime_pid_usable(pid)))
		outcomes_add(oc, pid, OC_UNKNOWN, err_msg());
	else if (runs == 0 && !ra->all)
		outcomes_add(oc, pid, OC_FAILED, name ? "has no such patch applied" : "has no patch applied");
	else if (runs == 1 && ra->dry_run)
		outcomes_add(oc, pid, OC_WOULD_REVERT, NULL);
	return runs == 1 && !ra->dry_run;
}

static void revert_one(pid_t pid, const char *name, const struct runtime_args *ra, struct outcomes *oc)
{
	if ((ra->all || ra->dry_run) && !looked_at(pid, name, ra, oc))
		return;
	int rc = runtime_revert_force(pid, name, ra->timeout, false, ra->force);
	warn_print("suture revert");
	if (rc == 0)
		outcomes_add(oc, pid, OC_REVERTED, NULL);
	else if (!ra->all || runtime_pid_usable(pid))
		outcomes_add(oc, pid, OC_FAILED, err_msg())->timed_out = rc == RT_TIMEOUT;
}

/* One block of the end report: HEADING, then a line per process of KIND. */
static size_t report_block(const struct outcomes *oc, enum outcome_kind kind, const char *heading, const char *shown)
{
	size_t n = outcomes_count(oc, kind), timeouts = 0;
	if (!n)
		return 0;
	if (oc->n > 1)
		err_report("suture revert", heading, n, n == 1 ? "" : "es", n == 1 ? "s" : "", shown);
	for (size_t i = 0; i < oc->n; i++) {
		if (oc->v[i].kind != kind)
			continue;
		timeouts += oc->v[i].timed_out;
		char *line = outcome_line(&oc->v[i]);
		if (oc->n > 1)
			fprintf(stderr, "  %s\n", line);
		else
			err_report("suture revert", "%s", line);
		free(line);
	}
	return n - timeouts;
}

/* The processes still running the patch, one line each, then those that
 * could not be read; the exit status. */
static int report_leftovers(const struct outcomes *oc, const char *shown)
{
	size_t failed = outcomes_count(oc, OC_FAILED) + outcomes_count(oc, OC_UNKNOWN);
	size_t not_timeouts = report_block(oc, OC_FAILED, "%zu process%s still run%s %s:", shown) +
		report_block(oc, OC_UNKNOWN, "cannot tell whether %zu process%s run%s %s:", shown);
	if (!failed)
		return EXIT_DONE;
	return not_timeouts == 0 ? EXIT_TIMEOUT : EXIT_FAILED;
}

static void print_summary(const struct outcomes *oc, const char *shown, bool dry_run)
{
	size_t done = outcomes_count(oc, dry_run ? OC_WOULD_REVERT : OC_REVERTED);
	const char *verb = dry_run ? "would revert" : "reverted";
	if (done == 1 && oc->n == 1)
		printf("%s %s in process %d (%s)\n", verb, shown, oc->v[0].pid, oc->v[0].comm);
	else if (done)
		printf("%s %s in %zu process%s\n", verb, shown, done, done == 1 ? "" : "es");
}

int revert_many(const char *name, const struct runtime_args *ra)
{
	char shown[200];
	snprintf(shown, sizeof shown, name ? "'%s'" : "%s", name ? name : "every patch");
	pid_t *pids = ra->pids;
	size_t n = ra->npids;
	if (ra->all)
		n = list_pids(&pids);
	struct outcomes oc = {0};
	struct progress pr;
	progress_start(&pr, "suture revert", ra->dry_run ? "to revert" : "reverted", n);
	for (size_t i = 0; i < n; i++) {
		if (!ra->all || (pids[i] != getpid() && runtime_has_state(pids[i]))) {
			revert_one(pids[i], name, ra, &oc);
			runtime_print_process_timing(pids[i]);
		}
		progress_show(&pr, i + 1, outcomes_count(&oc, OC_REVERTED) + outcomes_count(&oc, OC_WOULD_REVERT));
	}
	progress_clear(&pr);
	int status = report_leftovers(&oc, shown);
	if (status == EXIT_DONE && oc.n == 0 && !ra->dry_run) {
		err_report("suture revert", "no process has %s%s%s applied; see 'suture status'",
			   name ? "patch '" : "any patch", name ? name : "", name ? "'" : "");
		status = EXIT_FAILED;
	}
	if (!ra->json)
		print_summary(&oc, shown, ra->dry_run);
	else
		outcomes_print_json(&oc, name, ra->dry_run, status);
	outcomes_free(&oc);
	if (ra->all)
		free(pids);
	return status;
}
