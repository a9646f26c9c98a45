/* apply and revert over several processes: the PIDs named, or --all.
 * The loops, their end report (outcome.h) and progress (progress.h). */
#ifndef SUTURE_CLI_MANY_H
#define SUTURE_CLI_MANY_H

#include "cli/runtime_args.h"
#include "patchfile/patchread.h"
#include "runtime/runtime.h"
#include "runtime/target.h"

/* Processes that run PF already are counted and left alone; the others
 * are patched all or nothing: when one fails, those patched so far are
 * reverted.  Returns the exit status. */
int apply_many(struct patch_file *pf, struct apply_opts *o, const struct runtime_args *ra);

/* Reverts NAME (NULL: every patch) in every process it can, and ends with
 * the list of those still running it, each with its reason.  Returns the
 * exit status. */
int revert_many(const char *name, const struct runtime_args *ra);

/* 1 when PID runs patch NAME (NULL: any patch) now, bound to an object
 * with one of the NIDS build-ids IDS (any object when NIDS is 0): applied,
 * or with INTERRUPTED_TOO also in an interrupted apply or revert; 0 when
 * not; -1 (error set) when its record of patches cannot be read. */
int process_runs_patch(pid_t pid, const char *name, const struct build_id *ids, size_t nids, bool interrupted_too);

#endif
