/* One process that just started, or just mapped a watched file: every
 * installed patch whose exact target build it runs is applied to it, once
 * its dynamic loader is done; the time from its exec is logged. */
#include "watch/build_match.h"
#include "watch/loader_state.h"
#include "watch/settle.h"
#include "watch/watch_internal.h"
#include "common/error.h"
#include "runtime/runtime.h"
#include "store/deploy.h"
#include "store/running.h"

#include <stdio.h>
#include <string.h>

static void read_comm(pid_t pid, char *comm, size_t size)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/comm", pid);
	FILE *f = fopen(path, "re");
	if (!f || !fgets(comm, (int)size, f))
		snprintf(comm, size, "?");
	comm[strcspn(comm, "\n")] = '\0';
	if (f)
		fclose(f);
}

static void say_patched(struct watch *w, pid_t pid, const char *comm, const char *name,
			uint64_t since_ns, uint64_t exec_ns)
{
	uint64_t done = now_ns();
	char after_exec[64] = "";
	if (exec_ns && exec_ns != since_ns)
		snprintf(after_exec, sizeof after_exec, ", %.2f ms after exec", (done - exec_ns) / 1e6);
	watch_say(w, "patched process %d (%s) with '%s' %.2f ms after %s%s [monotonic %.6f]",
		  pid, comm, name, (done - since_ns) / 1e6, exec_ns == since_ns ? "exec" : "it mapped the target",
		  after_exec, done / 1e9);
}

/* The patches of the store that PID may need: one of their target files
 * is mapped (by name; build-ids are checked next). */
static bool wanted_by(struct watch *w, pid_t pid, const struct store_entry *e)
{
	return runtime_maps_target(pid, e->pf) && !runs_patch(pid, e->name);
}

void patch_new_process(struct watch *w, pid_t pid, pid_t tid, uint64_t since_ns, bool fresh_exec)
{
	uint64_t exec_ns = fresh_exec ? since_ns : exec_times_find(&w->execs, pid);
	char comm[32] = "";
	bool settled = false;
	for (size_t i = 0; i < w->n_patches; i++) {
		struct store_entry *e = &w->patches[i];
		if (!wanted_by(w, pid, e))
			continue;
		if (!*comm)
			read_comm(pid, comm, sizeof comm);
		enum build_match m = build_match(pid, e->pf);
		if (m == BUILD_OTHER)
			watch_say(w, "left process %d (%s) alone: it runs another build than patch '%s' is for",
				  pid, comm, e->name);
		if (m != BUILD_EXACT)
			continue;
		struct loader ld;
		if (!settled && (loader_find(pid, &ld) < 0 || settle_loader(tid, &ld, w->o->settle_ms) < 0)) {
			watch_say(w, "could not patch process %d (%s) with '%s': %s", pid, comm, e->name, err_msg());
			continue;
		}
		settled = true;
		struct apply_opts ao = { .model = STORE_MODEL, .timeout = w->o->timeout,
					 .quiet_not_target = true };
		int rc = runtime_apply(pid, e->pf, &ao);
		if (rc == 0)
			say_patched(w, pid, comm, e->name, since_ns, exec_ns);
		else if (rc != RT_NOT_TARGET && runtime_pid_usable(pid))
			watch_say(w, "could not patch process %d (%s) with '%s': %s", pid, comm, e->name, err_msg());
		err_clear();
	}
}
