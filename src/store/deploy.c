/* Applying an installed patch to running processes, and taking it back. */
#include "store/deploy.h"
#include "store/running.h"
#include "common/error.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct deployed *add(struct deployment *d, pid_t pid, const char *comm, bool ok)
{
	d->v = xrealloc(d->v, (d->n + 1) * sizeof *d->v);
	struct deployed *x = &d->v[d->n++];
	*x = (struct deployed){ .pid = pid, .ok = ok };
	snprintf(x->comm, sizeof x->comm, "%s", comm);
	x->message = ok ? NULL : xstrdup(err_msg());
	return x;
}

/* Undoes the successful applies of D, newest first. */
static void undo_applied(struct deployment *d, const char *name, double timeout)
{
	for (size_t k = d->n; k-- > 0;)
		if (d->v[k].ok)
			runtime_revert(d->v[k].pid, name, timeout, true);
}

int deploy_running(struct patch_file *pf, const struct apply_opts *o, bool all_or_nothing,
		   struct deployment *out)
{
	*out = (struct deployment){ 0 };
	const char *name = patch_string(pf, pf->header->name);
	struct apply_opts opts = *o;
	opts.quiet_not_target = true;
	pid_t *pids;
	size_t n = list_pids(&pids);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		pid_t pid = pids[i];
		if (pid == getpid() || !runtime_maps_target(pid, pf) || runs_patch(pid, name))
			continue;
		char comm[32];
		read_comm(pid, comm, sizeof comm);
		int r = runtime_apply(pid, pf, &opts);
		if (r == 0) {
			add(out, pid, comm, true);
			continue;
		}
		/* Another build, or gone meanwhile: not ours to patch. */
		if (r == RT_NOT_TARGET || r == RT_OTHER_BUILD || !runtime_pid_usable(pid))
			continue;
		add(out, pid, comm, false);
		if (all_or_nothing) {
			char *why = xstrdup(err_msg());
			undo_applied(out, name, o->timeout);
			rc = err_set("process %d (%s): %s", pid, comm, why);
			free(why);
		}
	}
	free(pids);
	return rc;
}

int undeploy_running(struct patch_file *pf, double timeout, struct deployment *out)
{
	*out = (struct deployment){ 0 };
	const char *name = patch_string(pf, pf->header->name);
	struct running *procs;
	size_t n;
	running_processes(name, &procs, &n);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (runtime_revert(procs[i].pid, name, timeout, true) == 0) {
			add(out, procs[i].pid, procs[i].comm, true);
			continue;
		}
		if (!runtime_pid_usable(procs[i].pid))
			continue;
		char *why = xstrdup(err_msg());
		add(out, procs[i].pid, procs[i].comm, false);
		struct apply_opts again = { .model = STORE_MODEL, .timeout = timeout };
		for (size_t k = out->n; k-- > 0;)
			if (out->v[k].ok)
				runtime_apply(out->v[k].pid, pf, &again);
		rc = err_set("process %d (%s): %s", procs[i].pid, procs[i].comm, why);
		free(why);
	}
	free(procs);
	return rc;
}

void deployment_free(struct deployment *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].message);
	free(d->v);
}
