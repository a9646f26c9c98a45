/* suture audit's entry points: gather facts, then findings. */
#include "impact/audit_internal.h"
#include "common/error.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct audit_file *new_file(struct audit_report *r)
{
	r->files = xrealloc(r->files, (r->n_files + 1) * sizeof *r->files);
	return &r->files[r->n_files++];
}

int audit_file(const char *path, struct audit_report *report)
{
	memset(report, 0, sizeof *report);
	struct audit_file f;
	if (audit_read_file(path, &f) < 0) {
		audit_file_free(&f);
		return -1;
	}
	*new_file(report) = f;
	audit_file_findings(report, &report->files[0], false);
	return 0;
}

/* /proc/PID/exe and /proc/PID/root/usr/lib/... are how suture reaches the
 * files; users know them by the paths the process mapped. */
static void show_real_path(struct audit_file *f, pid_t pid)
{
	char *root = xasprintf("/proc/%d/root", (int)pid);
	char target[4096];
	ssize_t len;
	if (str_starts_with(f->path, root)) {
		char *real = xstrdup(f->path + strlen(root));
		free(f->path);
		f->path = real;
	} else if ((len = readlink(f->path, target, sizeof target - 1)) > 0) {
		target[len] = '\0';
		free(f->path);
		f->path = xstrdup(target);
	}
	free(root);
}

int audit_process(pid_t pid, struct audit_report *report)
{
	memset(report, 0, sizeof *report);
	report->process = xcalloc(1, sizeof *report->process);
	if (audit_read_process(pid, report->process) < 0)
		return -1;
	char **paths = NULL;
	size_t n = 0;
	if (audit_process_objects(pid, &paths, &n) < 0)
		return -1;
	audit_process_findings(report, report->process);
	int ret = 0;
	for (size_t i = 0; i < n; i++) {
		struct audit_file f;
		if (audit_read_file(paths[i], &f) < 0) {
			audit_file_free(&f);
			if (i == 0) {
				err_prefix("process %d", (int)pid);
				ret = -1;
				break;
			}
			continue;   /* a library suture cannot read is left out */
		}
		show_real_path(&f, pid);
		*new_file(report) = f;
		audit_file_findings(report, &report->files[report->n_files - 1], i > 0);
	}
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
	return ret;
}

bool audit_has_blocker(const struct audit_report *report)
{
	for (size_t i = 0; i < report->n_findings; i++)
		if (report->findings[i].severity == SEV_BLOCKER)
			return true;
	return false;
}

void audit_report_free(struct audit_report *report)
{
	for (size_t i = 0; i < report->n_files; i++)
		audit_file_free(&report->files[i]);
	free(report->files);
	for (size_t i = 0; i < report->n_findings; i++) {
		free(report->findings[i].what);
		free(report->findings[i].why);
		free(report->findings[i].fix);
	}
	free(report->findings);
	if (report->process)
		free(report->process->name);
	free(report->process);
	memset(report, 0, sizeof *report);
}
