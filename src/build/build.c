/* suture build, the pipeline: see build.h and docs/build.md. */
#include "build/build.h"
#include "build/assemble.h"
#include "build/command.h"
#include "build/compiler.h"
#include "build/line_directives.h"
#include "build/overlay.h"
#include "build/recompile.h"
#include "build/reproduce.h"
#include "build/fixdiff.h"
#include "build/targets.h"
#include "build/units.h"
#include "build/workdir.h"
#include "common/error.h"
#include "common/util.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#define LOG_TAIL_LINES 15

void progress(struct build_session *s, const char *fmt, ...)
{
	if (!s->opt->progress)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *line;
	if (vasprintf(&line, fmt, ap) >= 0) {
		s->opt->progress(s->opt->progress_ctx, line);
		free(line);
	}
	va_end(ap);
}

char **strv_add(char **v, size_t *n, char *s)
{
	v = xrealloc(v, (*n + 2) * sizeof *v);
	v[(*n)++] = s;
	v[*n] = NULL;
	return v;
}

double build_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The last lines of the build log, for the report of a failed build. */
char *build_log_tail(const char *log)
{
	size_t len;
	char *text = read_whole_file(log, &len);
	if (!text)
		return NULL;
	size_t start = len, lines = 0;
	while (start > 0 && lines <= LOG_TAIL_LINES)
		if (text[--start] == '\n' && start + 1 < len)
			lines++;
	char *tail = xstrdup(text + (lines > LOG_TAIL_LINES ? start + 1 : start));
	free(text);
	return tail;
}

/* Runs the project's build; WHICH names it in messages. */
static int project_build(struct build_session *s, const char *which, double *secs)
{
	const char *cmd = s->opt->build_cmd ? s->opt->build_cmd : "make";
	progress(s, "%s build: %s", which, cmd);
	double start = build_now();
	int status = command_run_shell(cmd, s->opt->srcdir, s->log);
	*secs = build_now() - start;
	if (command_interrupted())
		return err_set("interrupted during the %s build; %s is unchanged", which,
			       s->opt->srcdir);
	if (status < 0)
		return -1;
	if (status != 0) {
		s->report->log_tail = build_log_tail(s->log);
		return err_set("the %s build failed ('%s' exited %d; its output ends below); "
			       "%s is unchanged", which, cmd, status, s->opt->srcdir);
	}
	return 0;
}

static int check_targets_reproduced(struct build_session *s)
{
	for (size_t t = 0; t < s->ntargets; t++) {
		char *rebuilt = target_rebuilt_path(s, &s->targets[t]);
		int ret = rebuilt ? reproduce_check(&s->targets[t], rebuilt) : -1;
		free(rebuilt);
		if (ret < 0)
			return -1;
	}
	return 0;
}

/* Keeps the objects of every changed unit as WHICH-N.o, compiled when
 * the project's build did not make them (made after SINCE). */
static int compile_changed(struct build_session *s, bool patched, const struct timespec *since)
{
	for (size_t i = 0; i < s->nunits; i++) {
		struct build_unit *u = &s->units[i];
		if (!u->changed)
			continue;
		if (command_interrupted())
			return err_set("interrupted; %s is unchanged", s->opt->srcdir);
		char *copy = xasprintf("%s/%s-%zu.o", s->workdir, patched ? "patched" : "orig", i);
		if (patched)
			u->patched_obj = copy;
		else
			u->orig_obj = copy;
		progress(s, "object of %s (%s)", u->rec->source, patched ? "patched" : "original");
		bool compiled;
		if (unit_object(s, u, copy, since, &compiled) < 0) {
			s->report->log_tail = build_log_tail(s->log);
			return err_prefix("%s build", patched ? "patched" : "original");
		}
		if (patched && compiled)
			s->report->forced = strv_add(s->report->forced, &s->report->nforced,
						     xstrdup(u->rec->source));
	}
	return 0;
}

static void note_unused_files(struct build_session *s)
{
	for (size_t i = 0; i < s->ntouched; i++) {
		bool used = false;
		for (size_t u = 0; u < s->nunits && !used; u++)
			used = strcmp(s->units[u].source, s->touched[i].path) == 0;
		if (!used && (str_ends_with(s->touched[i].path, ".c")))
			s->report->notes = strv_add(s->report->notes, &s->report->nnotes,
				xasprintf("%s is in no unit of the targets: not patched",
					  s->touched[i].path));
	}
}

static int changed_units(struct build_session *s)
{
	units_collect(s);
	if (units_mark_changed(s) < 0)
		return -1;
	for (size_t i = 0; i < s->nunits; i++)
		if (s->units[i].changed)
			s->report->recompiled = strv_add(s->report->recompiled, &s->report->nrecompiled,
							 xstrdup(s->units[i].rec->source));
	note_unused_files(s);
	return 0;
}

/* Everything before the tree is overlaid: what must be read from the
 * real file system. */
int session_open_outdir(struct build_session *s)
{
	char *dir = xstrdup(s->opt->out);
	s->outdir_fd = open(dirname(dir), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->outdir_fd < 0)
		err_set_errno("cannot write the patch in %s", dir);
	free(dir);
	return s->outdir_fd < 0 ? -1 : 0;
}

static int prepare(struct build_session *s)
{
	const struct build_options *opt = s->opt;
	if (session_open_outdir(s) < 0)
		return -1;
	if (opt->ntargets) {
		s->targets = xcalloc(opt->ntargets, sizeof *s->targets);
		for (; s->ntargets < opt->ntargets; s->ntargets++)
			if (target_load(&s->targets[s->ntargets], opt->targets[s->ntargets]) < 0)
				return -1;
	} else if (targets_find(s) < 0) {
		return -1;
	}
	if (s->ntargets > 8 * sizeof(unsigned long))
		return err_set("too many targets (%zu); name the ones to patch with --target",
			       s->ntargets);
	if (fixdiff_read(s) < 0)
		return -1;
	if (!(s->workdir = workdir_create()))
		return -1;
	if (str_starts_with(s->workdir, opt->srcdir) && s->workdir[strlen(opt->srcdir)] == '/')
		return err_set("the work directory %s is inside %s: set TMPDIR to a directory "
			       "outside the tree", s->workdir, opt->srcdir);
	s->log = xasprintf("%s/build.log", s->workdir);
	return compiler_setup(s->workdir, opt->suture_cc, targets_level(s));
}

static int pipeline(struct build_session *s)
{
	struct build_report *r = s->report;
	if (prepare(s) < 0 || overlay_enter(s->opt->srcdir, s->workdir) < 0)
		return -1;
	if (project_build(s, "original", &r->secs_original) < 0 || check_targets_reproduced(s) < 0)
		return -1;
	if (changed_units(s) < 0 || compile_changed(s, false, NULL) < 0)
		return -1;
	progress(s, "applying %s", s->opt->diff);
	struct timespec applied;
	clock_gettime(CLOCK_REALTIME, &applied);
	if (fixdiff_apply(s) < 0 || line_directives_insert(s) < 0)
		return -1;
	if (project_build(s, "patched", &r->secs_patched) < 0 || compile_changed(s, true, &applied) < 0)
		return -1;
	return assemble_patch(s);
}

int build_run(const struct build_options *opt, struct build_report *report)
{
	memset(report, 0, sizeof *report);
	struct build_session s = { .opt = opt, .report = report, .outdir_fd = -1 };
	double start = build_now();
	command_catch_signals();
	int ret = pipeline(&s);
	report->secs_total = build_now() - start;
	umount2(opt->srcdir, MNT_DETACH);   /* only in our namespace */
	session_end(&s);
	return ret;
}

void session_end(struct build_session *s)
{
	workdir_remove(s->workdir);
	free(s->workdir);
	free(s->log);
	if (s->outdir_fd >= 0)
		close(s->outdir_fd);
	units_free(s);
	for (size_t i = 0; i < s->ntargets; i++)
		target_free(&s->targets[i]);
	free(s->targets);
	for (size_t i = 0; i < s->ntouched; i++) {
		free(s->touched[i].path);
		free(s->touched[i].hunks);
	}
	free(s->touched);
}

void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void build_report_free(struct build_report *r)
{
	strv_free(r->targets, r->ntargets);
	strv_free(r->recompiled, r->nrecompiled);
	strv_free(r->forced, r->nforced);
	strv_free(r->line_only, r->nline_only);
	strv_free(r->notes, r->nnotes);
	strv_free(r->warnings, r->nwarnings);
	for (size_t i = 0; i < r->nentries; i++) {
		free(r->entries[i].name);
		free(r->entries[i].unit);
		free(r->entries[i].target);
		free(r->entries[i].reasons);
		free(r->entries[i].detail);
	}
	free(r->entries);
	for (size_t i = 0; i < r->nrefusals; i++) {
		free(r->refusals[i].unit);
		free(r->refusals[i].symbol);
		free(r->refusals[i].reason);
		free(r->refusals[i].way_out);
	}
	free(r->refusals);
	free(r->log_tail);
}
