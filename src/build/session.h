/* What the steps of suture build share (internal to src/build/). */
#ifndef SUTURE_BUILD_SESSION_H
#define SUTURE_BUILD_SESSION_H

#include "build/build.h"
#include "cc/unit_record.h"
#include "patchfile/format.h"

#include <stdint.h>

/* A file the build makes that the patch is for. */
struct build_target {
	char *path;                /* as the user named it (absolute), or found */
	char *name;                /* base name: how a process maps it */
	uint8_t build_id[SUTURE_BUILD_ID_MAX];
	size_t build_id_len;
	struct unit_records recs;  /* of the original file */
	struct elf_file *file;     /* the original file, read before the build
	                              changed it (reach.c checks against it) */
};

/* One translation unit of some target. */
struct build_unit {
	const struct unit_record *rec;  /* owned by a target's records */
	char *source;              /* absolute path of its source */
	char *output;              /* absolute path of its object */
	unsigned long targets;     /* bit i: in targets[i] */
	bool changed;              /* its source or an included file changed */
	char *orig_obj, *patched_obj;  /* copies in the work directory */
};

/* A file the diff touches, and where its hunks end in the new file. */
struct touched_file {
	char *path;                /* absolute */
	struct hunk { long old_start, old_len, new_start, new_len; } *hunks;
	size_t nhunks;
};

struct build_session {
	const struct build_options *opt;
	struct build_report *report;
	char *workdir;             /* private temporary directory */
	char *log;                 /* the project build's output */
	int outdir_fd;             /* the real directory of opt->out */
	char *level;               /* the level the targets were built with */
	struct build_target *targets;
	size_t ntargets;
	struct build_unit *units;
	size_t nunits;
	struct touched_file *touched;
	size_t ntouched;
	bool manual;               /* --manual: the patched objects are patch sources */
	size_t manual_unit;        /* --manual: the one unit compared */
	/* Called once the functions are known, before the patch is written
	 * (--manual's check of the impacted functions); non-zero stops it. */
	int (*before_write)(struct build_session *s);
};

void progress(struct build_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char **strv_add(char **v, size_t *n, char *s);
void strv_free(char **v, size_t n);
/* Seconds on the monotonic clock. */
double build_now(void);
/* Opens the directory of opt->out (before any overlay: the real one). */
int session_open_outdir(struct build_session *s);
/* Frees what the session holds and removes its work directory. */
void session_end(struct build_session *s);
/* The last lines of the build log LOG, for a failed build's report. */
char *build_log_tail(const char *log);

#endif
