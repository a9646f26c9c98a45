/* suture revert PID...|--all: every process it can, then the exact list
 * of those still running the patch, each with its reason. */
#include "cli/many.h"
#include "cli/outcome.h"
#include "cli/progress.h"
#include "common/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Does PID run NAME, or with NAME NULL any patch? */
static bool runs_any(pid_t pid, const char *name)
{
	if (name)
		return process_runs_patch(pid, name, NULL, 0);
	struct proc_status s;
	if (!runtime_has_state(pid) || runtime_status(pid, &s) < 0)
		return false;
	bool any = false;
	for (size_t i = 0; i < s.st.n; i++) {
		uint32_t st = s.st.entries[i].patch.state;
		any |= st != PS_REVERTED && st != PS_REPLACED;
	}
	proc_status_free(&s);
	return any;
}

static void revert_one(pid_t pid, const char *name, const struct runtime_args *ra, struct outcomes *oc)
{
	if (ra->dry_run) {
		if (runs_any(pid, name))
			outcomes_add(oc, pid, OC_WOULD_REVERT, NULL);
		else if (!ra->all)
			outcomes_add(oc, pid, OC_FAILED, "runs no such patch");
		return;
	}
	int rc = runtime_revert(pid, name, ra->timeout, ra->all);
	if (rc == 0)
		outcomes_add(oc, pid, OC_REVERTED, NULL);
	else if (!ra->all || (rc != RT_NOT_TARGET && runtime_pid_usable(pid)))
		outcomes_add(oc, pid, OC_FAILED, err_msg())->timed_out = rc == RT_TIMEOUT;
}

/* The processes still running the patch, one line each; the status. */
static int report_leftovers(const struct outcomes *oc, const char *shown)
{
	size_t failed = outcomes_count(oc, OC_FAILED), timeouts = 0;
	if (!failed)
		return EXIT_DONE;
	if (oc->n > 1)
		err_report("suture revert", "%zu process%s still run%s %s:", failed, failed == 1 ? "" : "es",
			   failed == 1 ? "s" : "", shown);
	for (size_t i = 0; i < oc->n; i++) {
		if (oc->v[i].kind != OC_FAILED)
			continue;
		timeouts += oc->v[i].timed_out;
		char *line = outcome_line(&oc->v[i]);
		if (oc->n > 1)
			fprintf(stderr, "  %s\n", line);
		else
			err_report("suture revert", "%s", line);
		free(line);
	}
	return timeouts == failed ? EXIT_TIMEOUT : EXIT_FAILED;
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
		if (!ra->all || (pids[i] != getpid() && runtime_has_state(pids[i])))
			revert_one(pids[i], name, ra, &oc);
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
