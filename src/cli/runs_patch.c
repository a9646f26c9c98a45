/* Is a patch already running in a process: by its name, and by the
 * build-id of the object it was bound to (the record suture keeps inside
 * the process, read without stopping it). */
#include "cli/many.h"

#include <string.h>

static bool build_id_among(const struct state_patch *sp, const struct build_id *ids, size_t nids)
{
	if (nids == 0)
		return true;
	for (size_t k = 0; k < nids; k++)
		if (sp->build_id_len == ids[k].len && memcmp(sp->build_id, ids[k].id, ids[k].len) == 0)
			return true;
	return false;
}

int process_runs_patch(pid_t pid, const char *name, const struct build_id *ids, size_t nids, bool interrupted_too)
{
	if (!runtime_has_state(pid))
		return 0;
	struct proc_status s;
	if (runtime_status(pid, &s) < 0)
		return -1;
	int runs = 0;
	for (size_t i = 0; i < s.st.n && !runs; i++) {
		const struct state_patch *sp = &s.st.entries[i].patch;
		bool live = interrupted_too ? sp->state != PS_REVERTED && sp->state != PS_REPLACED
			: sp->state == PS_APPLIED;
		runs = live && (!name || strcmp(sp->name, name) == 0) && build_id_among(sp, ids, nids);
	}
	proc_status_free(&s);
	return runs;
}
