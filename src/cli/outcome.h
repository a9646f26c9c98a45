/* What apply or revert did to each process it worked on, kept for the
 * report at the end: one line per process that failed, a summary, and with
 * --json the whole list (schemas/apply.json, schemas/revert.json). */
#ifndef SUTURE_CLI_OUTCOME_H
#define SUTURE_CLI_OUTCOME_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum outcome_kind {
	OC_APPLIED,        /* the patch was applied now */
	OC_ALREADY,        /* it ran the patch before: nothing done */
	OC_UNDONE,         /* applied, then reverted because another process failed */
	OC_SKIPPED,        /* --all: it runs another build of the target */
	OC_FAILED,         /* refused or timed out: as it was (apply), still runs it (revert) */
	OC_REVERTED,
	OC_UNKNOWN,        /* revert: its record cannot be read; it may run the patch */
	OC_WOULD_APPLY,    /* --dry-run */
	OC_WOULD_REVERT,
	OC_KINDS
};

struct outcome {
	pid_t pid;
	char comm[32];
	enum outcome_kind kind;
	char *message;     /* why (OC_FAILED, OC_SKIPPED), else NULL */
	bool timed_out;    /* OC_FAILED: the switch could not happen in time */
};

struct outcomes {
	struct outcome *v;
	size_t n;
};

/* Adds PID's outcome; its command name is read now, while it runs. */
struct outcome *outcomes_add(struct outcomes *o, pid_t pid, enum outcome_kind kind, const char *message);
size_t outcomes_count(const struct outcomes *o, enum outcome_kind kind);
const char *outcome_kind_name(enum outcome_kind kind);
/* "process PID (COMM): MESSAGE", or where MESSAGE starts by naming the
 * process, MESSAGE with its command: every message names the process (PID
 * and command) before its threads. */
char *outcome_line(const struct outcome *oc);
/* The --json document: every outcome, the patch, the exit status. */
void outcomes_print_json(const struct outcomes *o, const char *patch, bool dry_run, int exit_status);
void outcomes_free(struct outcomes *o);

#endif
