/* Which processes run an installed patch. */
#include "store/running.h"
#include "common/util.h"
#include "runtime/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The live record of NAME in S, or NULL. */
static const struct state_entry *find_live(const struct proc_status *s, const char *name)
{
	for (size_t i = 0; i < s->st.n; i++) {
		const struct state_entry *e = &s->st.entries[i];
		if (e->patch.state != PS_REVERTED && e->patch.state != PS_REPLACED &&
		    strcmp(e->patch.name, name) == 0)
			return e;
	}
	return NULL;
}

void read_comm(pid_t pid, char *comm, size_t size)
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

bool runs_patch(pid_t pid, const char *name)
{
	struct proc_status s;
	if (!runtime_has_state(pid) || runtime_status(pid, &s) < 0)
		return false;
	bool found = find_live(&s, name) != NULL;
	proc_status_free(&s);
	return found;
}

void running_processes(const char *name, struct running **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	pid_t *pids;
	size_t npids = list_pids(&pids);
	for (size_t i = 0; i < npids; i++) {
		struct proc_status s;
		if (pids[i] == getpid() || !runtime_has_state(pids[i]) || runtime_status(pids[i], &s) < 0)
			continue;
		const struct state_entry *e = find_live(&s, name);
		if (e) {
			*out = xrealloc(*out, (*n + 1) * sizeof **out);
			struct running *r = &(*out)[(*n)++];
			r->pid = s.pid;
			memcpy(r->comm, s.comm, sizeof r->comm);
			r->state = patch_state_name(e->patch.state);
		}
		proc_status_free(&s);
	}
	free(pids);
}
