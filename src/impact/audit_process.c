/* The facts suture audit reads about a running process from /proc. */
#include "impact/audit_internal.h"
#include "common/error.h"
#include "common/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The value of "KEY:" in /proc/PID/status, or NULL. */
static const char *status_value(const char *status, const char *key)
{
	size_t len = strlen(key);
	for (const char *line = status; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (strncmp(line, key, len) == 0 && line[len] == ':') {
			const char *v = line + len + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			return v;
		}
	}
	return NULL;
}

static long status_number(const char *status, const char *key, long missing)
{
	const char *v = status_value(status, key);
	return v ? strtol(v, NULL, 10) : missing;
}

static int read_yama_scope(void)
{
	size_t len;
	char *text = read_whole_file("/proc/sys/kernel/yama/ptrace_scope", &len);
	err_clear();
	if (!text)
		return -1;
	int scope = atoi(text);
	free(text);
	return scope;
}

/* Memory-deny-write-execute: kernels that show it in status do so under
 * one of these names; others do not show it at all. */
static int read_mdwe(const char *status)
{
	static const char *const keys[] = { "MDWE", "Mdwe", "MemoryDenyWriteExecute" };
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *v = status_value(status, keys[i]);
		if (v)
			return *v != '0' && strncmp(v, "off", 3) != 0 ? 1 : 0;
	}
	return -1;
}

/* A process that is not dumpable (setuid, prctl(PR_SET_DUMPABLE, 0)) has
 * the files in its /proc directory owned by root whatever its own user
 * (the directory itself keeps the user). */
static void read_dumpable(pid_t pid, const char *status, struct audit_process *p)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	const char *uid = status_value(status, "Uid");
	if (!uid || stat(path, &st) != 0)
		return;
	long real_uid = strtol(uid, NULL, 10);
	if (real_uid == 0)
		return;   /* a root process: ownership says nothing */
	p->dumpable_known = true;
	p->dumpable = st.st_uid != 0;
}

int audit_read_process(pid_t pid, struct audit_process *p)
{
	memset(p, 0, sizeof *p);
	p->pid = pid;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	size_t len;
	char *status = read_whole_file(path, &len);
	if (!status)
		return err_set("no process %d (cannot read %s); is the PID right?", (int)pid, path);
	const char *name = status_value(status, "Name");
	p->name = name ? xasprintf("%.*s", (int)strcspn(name, "\n"), name) : xstrdup("?");
	const char *state = status_value(status, "State");
	p->state = state ? state[0] : '?';
	p->tracer = (pid_t)status_number(status, "TracerPid", 0);
	p->seccomp = (int)status_number(status, "Seccomp", -1);
	p->seccomp_filters = (int)status_number(status, "Seccomp_filters", 0);
	p->mdwe = read_mdwe(status);
	p->yama_scope = read_yama_scope();
	read_dumpable(pid, status, p);
	free(status);
	return 0;
}

/* True when this process (suture) has CAP_SYS_PTRACE. */
bool audit_self_can_ptrace_any(void)
{
	size_t len;
	char *status = read_whole_file("/proc/self/status", &len);
	if (!status)
		return false;
	const char *cap = status_value(status, "CapEff");
	unsigned long long bits = cap ? strtoull(cap, NULL, 16) : 0;
	free(status);
	return bits & (1ull << 19);   /* CAP_SYS_PTRACE */
}

static bool is_elf(const char *path)
{
	FILE *f = fopen(path, "rb");
	char magic[4] = {0};
	bool elf = f && fread(magic, 1, 4, f) == 4 && memcmp(magic, "\177ELF", 4) == 0;
	if (f)
		fclose(f);
	return elf;
}

/* How to open the file a maps LINE names (FILE points into it): through
 * /proc/PID/root, or, for a file replaced or removed since it was mapped
 * ("... (deleted)"), through /proc/PID/map_files/START-END. */
static char *mapped_file_path(pid_t pid, const char *line, const char *file)
{
	if (str_ends_with(file, " (deleted)"))
		return xasprintf("/proc/%d/map_files/%.*s", (int)pid,
				 (int)strcspn(line, " "), line);
	return xasprintf("/proc/%d/root%s", (int)pid, file);
}

/* The ELF objects PID maps, executable first (paths under /proc/PID/, so
 * they name the files the process sees). */
int audit_process_objects(pid_t pid, char ***paths, size_t *n)
{
	char maps_path[64];
	snprintf(maps_path, sizeof maps_path, "/proc/%d/maps", (int)pid);
	FILE *maps = fopen(maps_path, "r");
	if (!maps)
		return err_set_errno("cannot read %s", maps_path);
	*paths = xcalloc(1, sizeof **paths);
	(*paths)[0] = xasprintf("/proc/%d/exe", (int)pid);
	*n = 1;
	char **seen = xcalloc(1, sizeof *seen);   /* file names, as maps has them */
	size_t n_seen = 1;
	char exe[4096] = "";
	ssize_t len = readlink((*paths)[0], exe, sizeof exe - 1);
	exe[len > 0 ? len : 0] = '\0';
	seen[0] = xstrdup(exe);                   /* read already, as /proc/PID/exe */
	char line[4096 + 256];
	while (fgets(line, sizeof line, maps)) {
		char *file = strchr(line, '/');
		if (!file)
			continue;
		file[strcspn(file, "\n")] = '\0';
		if (str_in_list(seen, n_seen, file))
			continue;
		seen = xrealloc(seen, (n_seen + 1) * sizeof *seen);
		seen[n_seen++] = xstrdup(file);
		char *path = mapped_file_path(pid, line, file);
		if (is_elf(path)) {
			*paths = xrealloc(*paths, (*n + 1) * sizeof **paths);
			(*paths)[(*n)++] = path;
		} else {
			free(path);
		}
	}
	for (size_t i = 0; i < n_seen; i++)
		free(seen[i]);
	free(seen);
	fclose(maps);
	return 0;
}
