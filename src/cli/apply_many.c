/* suture apply PID...|--all: choosing the processes, skipping those that
 * run the patch already, all or nothing for the rest. */
#include "cli/many.h"
#include "cli/outcome.h"
#include "cli/progress.h"
#include "common/error.h"
#include "common/util.h"
#include "common/warning.h"
#include "runtime/target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Which builds the processes must run: the build-ids the patch is bound
 * to, and --target's. */
struct wanted {
	struct build_id *ids;
	size_t n;
	const char *unbound_name;   /* an object of the patch without build-id, or NULL */
};

static int wanted_builds(const struct patch_file *pf, const struct runtime_args *ra, struct wanted *w)
{
	memset(w, 0, sizeof *w);
	w->ids = xcalloc(pf->header->n_objects + 1, sizeof *w->ids);
	for (uint32_t i = 0; i < pf->header->n_objects; i++) {
		const struct suture_patch_object *po = &pf->objects[i];
		if (!po->build_id_len) {
			w->unbound_name = patch_string(pf, po->name);
			continue;
		}
		memcpy(w->ids[w->n].id, po->build_id, po->build_id_len);
		w->ids[w->n++].len = po->build_id_len;
	}
	if (ra->target_file && build_id_of_file(ra->target_file, &w->ids[w->n++]) < 0)
		return -1;
	return 0;
}

/* --all: every process that maps the patch's target build (or --target's). */
static size_t all_candidates(const struct patch_file *pf, const struct wanted *w, pid_t **out)
{
	pid_t *pids;
	size_t n = list_pids(&pids), k = 0;
	for (size_t i = 0; i < n; i++) {
		if (pids[i] == getpid() || !runtime_maps_target(pids[i], pf))
			continue;
		if (w->n && runtime_maps_build_id(pids[i], w->ids, w->n) != 1)
			continue;
		pids[k++] = pids[i];
	}
	*out = pids;
	return k;
}

/* A named process must map --target's build. */
static int check_named(pid_t pid, const struct runtime_args *ra, const struct wanted *w)
{
	if (!ra->target_file)
		return 0;
	int rc = runtime_maps_build_id(pid, &w->ids[w->n - 1], 1);
	if (rc == 1)
		return 0;
	if (rc == 0)
		err_set("process %d does not map %s (that build of it)", pid, ra->target_file);
	return -1;
}

/* Reverts what this run applied, newest first, after a failure. */
static void undo(struct outcomes *oc, const char *name, double timeout)
{
	size_t undone = 0;
	for (size_t k = oc->n; k-- > 0;) {
		if (oc->v[k].kind != OC_APPLIED)
			continue;
		if (runtime_revert(oc->v[k].pid, name, timeout, true) < 0) {
			oc->v[k].message = xstrdup(err_msg());
			char *line = outcome_line(&oc->v[k]);
			err_report("suture apply", "undoing: %s", line);
			free(line);
			continue;
		}
		oc->v[k].kind = OC_UNDONE;
		undone++;
	}
	if (undone)
		fprintf(stderr, "suture apply: reverted '%s' in the %zu process%s already patched\n", name,
			undone, undone == 1 ? "" : "es");
}

/* One process: 0 when done or skipped, else the exit status. */
static int apply_one(pid_t pid, struct patch_file *pf, struct apply_opts *o, const struct runtime_args *ra,
		     const struct wanted *w, struct outcomes *oc)
{
	const char *name = patch_string(pf, pf->header->name);
	if (process_runs_patch(pid, name, w->ids, w->n, false) == 1) {
		outcomes_add(oc, pid, OC_ALREADY, NULL);
		return 0;
	}
	int rc = ra->all ? 0 : check_named(pid, ra, w);
	if (rc == 0 && ra->dry_run) {
		outcomes_add(oc, pid, OC_WOULD_APPLY, NULL);
		return 0;
	}
	if (rc == 0) {
		rc = runtime_apply(pid, pf, o);
		if (rc == 0)
			warn_print("suture apply");
		else
			warn_clear();   /* nothing applied: the error says enough */
	}
	if (rc == 0) {
		outcomes_add(oc, pid, OC_APPLIED, NULL);
		return 0;
	}
	if (ra->all && rc == RT_OTHER_BUILD) {
		outcomes_add(oc, pid, OC_SKIPPED, err_msg());
		return 0;
	}
	if (ra->all && (rc == RT_NOT_TARGET || !runtime_pid_usable(pid)))
		return 0;
	struct outcome *f = outcomes_add(oc, pid, OC_FAILED, err_msg());
	f->timed_out = rc == RT_TIMEOUT;
	return f->timed_out ? EXIT_TIMEOUT : EXIT_FAILED;
}

static void print_summary(const struct outcomes *oc, const char *name, bool dry_run)
{
	const char *verb = dry_run ? "would apply" : "applied";
	size_t applied = outcomes_count(oc, dry_run ? OC_WOULD_APPLY : OC_APPLIED);
	size_t already = outcomes_count(oc, OC_ALREADY);
	const struct outcome *one = &oc->v[0];
	if (oc->n == 1 && applied)
		printf("%s '%s' to process %d (%s)\n", verb, name, one->pid, one->comm);
	else if (oc->n == 1 && already)
		printf("nothing to do: '%s' already runs in process %d (%s)\n", name, one->pid, one->comm);
	else if (!applied)
		printf("nothing to do: '%s' already runs in %s%zu processes\n", name,
		       outcomes_count(oc, OC_SKIPPED) ? "" : "all ", already);
	else if (already)
		printf("%s '%s' to %zu process%s; %zu already ran it\n", verb, name, applied,
		       applied == 1 ? "" : "es", already);
	else
		printf("%s '%s' to %zu process%s\n", verb, name, applied, applied == 1 ? "" : "es");
}

/* A line per process skipped or failed. */
static void report_failures(const struct outcomes *oc)
{
	for (size_t i = 0; i < oc->n; i++) {
		if (oc->v[i].kind != OC_FAILED && oc->v[i].kind != OC_SKIPPED)
			continue;
		char *line = outcome_line(&oc->v[i]);
		if (oc->v[i].kind == OC_SKIPPED)
			fprintf(stderr, "suture apply: skipped %s\n", line);
		else
			err_report("suture apply", "%s", line);
		free(line);
	}
}

/* The end: the summary, or why nothing was done; --json. */
static int report(struct outcomes *oc, const char *name, const struct runtime_args *ra, int status)
{
	size_t touched = oc->n - outcomes_count(oc, OC_SKIPPED);
	if (status == EXIT_DONE && touched == 0) {
		const char *skip = outcomes_count(oc, OC_SKIPPED) ? oc->v[0].message : NULL;
		err_report("suture apply", "no process runs the patch's target%s%s", skip ? ": " : "",
			   skip ? skip : "");
		status = EXIT_FAILED;
	} else if (status == EXIT_DONE && !ra->json) {
		print_summary(oc, name, ra->dry_run);
	}
	if (ra->json)
		outcomes_print_json(oc, name, ra->dry_run, status);
	return status;
}

int apply_many(struct patch_file *pf, struct apply_opts *o, const struct runtime_args *ra)
{
	const char *name = patch_string(pf, pf->header->name);
	struct wanted w;
	if (wanted_builds(pf, ra, &w) < 0) {
		err_print("suture apply");
		free(w.ids);
		return EXIT_FAILED;
	}
	if (ra->all && w.unbound_name && !ra->target_file) {
		err_report("suture apply", "patch '%s' names no build-id for its target%s%s (it was cut by 'suture diff -o'), so "
			   "--all would patch any process whose bytes agree: give --target FILE, the build it is for",
			   name, *w.unbound_name ? " " : "", w.unbound_name);
		free(w.ids);
		return EXIT_USAGE;
	}
	pid_t *pids = ra->pids;
	size_t n = ra->npids;
	if (ra->all)
		n = all_candidates(pf, &w, &pids);
	o->quiet_not_target = ra->all;
	struct outcomes oc = {0};
	struct progress pr;
	progress_start(&pr, "suture apply", ra->dry_run ? "to patch" : "patched", n);
	int status = EXIT_DONE;
	for (size_t i = 0; i < n && status == EXIT_DONE; i++) {
		status = apply_one(pids[i], pf, o, ra, &w, &oc);
		runtime_print_process_timing(pids[i]);
		progress_show(&pr, i + 1, outcomes_count(&oc, OC_APPLIED) + outcomes_count(&oc, OC_WOULD_APPLY));
	}
	progress_clear(&pr);
	report_failures(&oc);
	if (status != EXIT_DONE)
		undo(&oc, name, o->timeout);
	status = report(&oc, name, ra, status);
	outcomes_free(&oc);
	free(w.ids);
	if (ra->all)
		free(pids);
	return status;
}
