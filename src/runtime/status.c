/* suture status: the record of patches read back from a process, and the
 * list of processes for --all. */
#include "runtime/runtime.h"
#include "runtime/proc.h"
#include "common/error.h"
#include "common/util.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int runtime_status(pid_t pid, struct proc_status *out)
{
	memset(out, 0, sizeof *out);
	out->pid = pid;
	struct proc *p = proc_open(pid);
	if (!p)
		return -1;
	snprintf(out->comm, sizeof out->comm, "%s", p->comm);
	int rc = state_read(p, &out->st);
	if (rc < 0 && out->st.damaged) {
		/* reported as such, not as a failure to look */
		out->damaged = xstrdup(err_msg());
		state_free(&out->st);
		rc = 0;
	} else if (rc == 0) {
		out->gate = xcalloc(out->st.n + 1, sizeof *out->gate);
		for (size_t i = 0; i < out->st.n; i++) {
			uint8_t g = 0;
			out->gate[i] = mem_read(p, out->st.entries[i].patch.gate, &g, 1) < 0 ? -1 : g;
		}
	}
	proc_close(p);
	return rc;
}

void proc_status_free(struct proc_status *s)
{
	state_free(&s->st);
	free(s->gate);
	free(s->damaged);
}

static int cmp_pid(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

size_t list_pids(pid_t **out)
{
	*out = NULL;
	size_t n = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		*out = xrealloc(*out, (n + 1) * sizeof **out);
		(*out)[n++] = atoi(de->d_name);
	}
	closedir(d);
	qsort(*out, n, sizeof **out, cmp_pid);
	return n;
}

bool runtime_maps_target(pid_t pid, const struct patch_file *pf)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	size_t len;
	char *maps = read_whole_file(path, &len);
	if (!maps)
		return false;
	bool found = false;
	for (uint32_t i = 0; i < pf->header->n_objects && !found; i++) {
		const char *name = patch_string(pf, pf->objects[i].name);
		if (!*name) {
			found = strstr(maps, " /") != NULL;
			continue;
		}
		char *needle = xasprintf("/%s\n", name);
		found = strstr(maps, needle) != NULL;
		free(needle);
		if (!found) {
			needle = xasprintf("/%s (deleted)\n", name);
			found = strstr(maps, needle) != NULL;
			free(needle);
		}
	}
	free(maps);
	return found;
}

bool runtime_pid_usable(pid_t pid)
{
	return pid_is_running(pid);
}

bool runtime_has_state(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	size_t len;
	char *maps = read_whole_file(path, &len);
	bool found = maps && strstr(maps, "/memfd:" STATE_NAME);
	free(maps);
	return found;
}
