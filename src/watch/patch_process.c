/* One process that just exec'd, or just opened a watched target file:
 * every installed patch whose exact target build it runs is applied to it,
 * once its dynamic loader is done; the time from its exec is logged. */
#include "watch/build_match.h"
#include "watch/hold.h"
#include "watch/loader_state.h"
#include "watch/settle.h"
#include "watch/watch_internal.h"
#include "common/error.h"
#include "runtime/runtime.h"
#include "store/deploy.h"
#include "store/running.h"

#include <dirent.h>
#include <stdio.h>
#include <unistd.h>
#include <string.h>

/* What happened to a process, and when. */
struct event {
	pid_t pid, tid;
	char comm[32];
	uint64_t since_ns;      /* the exec, or the open of the target file */
	uint64_t exec_ns;       /* the exec, when known, else 0 */
	uint64_t seen_ns;       /* watch started on it */
	uint64_t settled_ns;    /* its loader was done */
	bool held;              /* stopped until its patches are applied (watch/hold.h) */
};

static void apply_one(struct watch *w, const struct event *ev, const struct store_entry *e)
{
	uint64_t start = now_ns();
	struct apply_opts ao = { .model = STORE_MODEL, .timeout = w->o->timeout, .quiet_not_target = true,
				 .held = ev->held };
	int rc = runtime_apply(ev->pid, e->pf, &ao);
	if (rc == RT_NOT_TARGET || (rc < 0 && !runtime_pid_usable(ev->pid)))
		return;
	if (rc < 0) {
		watch_say(w, "could not patch process %d (%s) with '%s': %s", ev->pid, ev->comm, e->name,
			  err_msg());
		return;
	}
	uint64_t done = now_ns();
	char after_exec[64] = "";
	if (ev->exec_ns && ev->exec_ns != ev->since_ns)
		snprintf(after_exec, sizeof after_exec, ", %.2f ms after exec", (done - ev->exec_ns) / 1e6);
	/* Where the time went: until watch looked at it (the event's way
	 * through the kernel and watch's queue), its loader, the apply. */
	watch_say(w, "patched process %d (%s) with '%s' %.2f ms after %s%s "
		  "(seen %.2f, loader %.2f, apply %.2f ms%s) [monotonic %.6f]",
		  ev->pid, ev->comm, e->name, (done - ev->since_ns) / 1e6,
		  ev->exec_ns == ev->since_ns ? "exec" : "it opened the target", after_exec,
		  (ev->seen_ns - ev->since_ns) / 1e6, (ev->settled_ns - ev->seen_ns) / 1e6,
		  (done - start) / 1e6, ev->held ? "; held from its entry point" : "", done / 1e9);
}

/* Does PID hold the file PATH open?  The loader maps an object's
 * segments one by one while it holds the file open, and closes it after
 * the last: mapped and closed is mapped whole. */
static bool holds_open(pid_t pid, const char *path)
{
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%d/fd", pid);
	DIR *d = opendir(dir);
	bool found = false;
	struct dirent *de;
	while (d && !found && (de = readdir(d))) {
		char link[320], target[256];
		snprintf(link, sizeof link, "%s/%s", dir, de->d_name);
		ssize_t len = readlink(link, target, sizeof target - 1);
		if (len > 0) {
			target[len] = '\0';
			found = strcmp(target, path) == 0;
		}
	}
	if (d)
		closedir(d);
	return found;
}

/* The first patch's target is mapped whole in PID. */
static bool target_mapped(pid_t pid, void *entry)
{
	const struct store_entry *e = entry;
	return runtime_maps_target(pid, e->pf) && !(e->target && holds_open(pid, e->target));
}

/* Waits for PID's loader (thread TID), for the first patch of WANT. */
static bool settle(struct watch *w, struct event *ev, struct store_entry *first)
{
	struct loader ld;
	int rc = loader_find(ev->pid, &ld);
	if (rc == 0)
		rc = settle_loader(ev->tid, &ld, w->o->settle_ms, target_mapped, first,
				   hold_allowed(ev->pid), &ev->held);
	ev->settled_ns = now_ns();
	if (rc < 0)
		watch_say(w, "could not patch process %d (%s) with '%s': %s", ev->pid, ev->comm,
			  first->name, err_msg());
	return rc == 0;
}

/* Applies each of the N patches WANT that fits PID's exact build (known
 * already when CHECKED). */
static void apply_wanted(struct watch *w, struct event *ev, struct store_entry **want, size_t n, bool checked)
{
	for (size_t i = 0; i < n; i++) {
		enum build_match m = checked ? BUILD_EXACT : build_match(ev->pid, want[i]->pf);
		if (m == BUILD_OTHER)
			watch_say(w, "left process %d (%s) alone: it runs another build than patch '%s' is for",
				  ev->pid, ev->comm, want[i]->name);
		else if (m == BUILD_EXACT)
			apply_one(w, ev, want[i]);
		err_clear();
	}
}

void patch_exec(struct watch *w, pid_t pid, uint64_t when_ns)
{
	struct event ev = { .pid = pid, .tid = pid, .since_ns = when_ns, .exec_ns = when_ns,
			    .seen_ns = now_ns() };
	struct store_entry *want[w->n_patches + 1];
	size_t n = 0;
	/* A program that is a target: its file is mapped from the exec on.
	 * Another build is left alone before anything else is done. */
	for (size_t i = 0; i < w->n_patches; i++)
		if (runtime_maps_target(pid, w->patches[i].pf) &&
		    build_match(pid, w->patches[i].pf) != BUILD_ABSENT &&
		    !runs_patch(pid, w->patches[i].name))
			want[n++] = &w->patches[i];
	if (n == 0)
		return;
	read_comm(pid, ev.comm, sizeof ev.comm);
	size_t exact = 0;
	for (size_t i = 0; i < n; i++)
		if (build_match(pid, want[i]->pf) == BUILD_EXACT)
			want[exact++] = want[i];
		else
			watch_say(w, "left process %d (%s) alone: it runs another build than patch '%s' is for",
				  pid, ev.comm, want[i]->name);
	if (exact && settle(w, &ev, want[0]))
		apply_wanted(w, &ev, want, exact, true);
	if (ev.held)
		hold_end(pid);
}

void patch_mapping(struct watch *w, pid_t pid, pid_t tid, const char *path, uint64_t seen_ns)
{
	struct event ev = { .pid = pid, .tid = tid, .since_ns = seen_ns, .seen_ns = seen_ns,
			    .exec_ns = exec_times_find(&w->execs, pid) };
	struct store_entry *want[w->n_patches + 1];
	size_t n = 0;
	/* The marked file is the target build itself (a new build on disk is
	 * another file): no other build can send this event. */
	for (size_t i = 0; i < w->n_patches; i++)
		if (w->patches[i].target && strcmp(w->patches[i].target, path) == 0 &&
		    !runs_patch(pid, w->patches[i].name))
			want[n++] = &w->patches[i];
	if (n == 0)
		return;
	read_comm(pid, ev.comm, sizeof ev.comm);
	if (settle(w, &ev, want[0]))
		apply_wanted(w, &ev, want, n, false);
	if (ev.held)
		hold_end(pid);
}
