/* Option parsing shared by apply, revert and status. */
#ifndef SUTURE_CLI_RUNTIME_ARGS_H
#define SUTURE_CLI_RUNTIME_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct runtime_args {
	const char *model;      /* --consistency, NULL when not given */
	double timeout;         /* --timeout, default 10 */
	bool replace, all, json, dry_run;
	const char *target_file;    /* --target FILE (apply) */
	bool require_signature; /* apply --require-signature (docs/trust.md) */
	const char *keys_dir;   /* apply --keys DIR, NULL when not given */
	bool force;             /* --force: finish a `thread` transition at the timeout, unsafe */
	pid_t *pids;            /* the processes named, when not --all */
	size_t npids;
	const char *last;       /* apply's PATCH, revert's NAME (or "--all") */
};

/* Parses CMD's argv.  WANT_LAST: the last operand is not a process (apply's
 * PATCH, revert's NAME); the operands before it are PIDs or one --all.
 * Prints a usage error and returns -1 on bad usage. */
int runtime_args_parse(const char *cmd, int argc, char **argv, struct runtime_args *ra, bool want_last);
void runtime_args_free(struct runtime_args *ra);

/* At exit of apply and revert: with SUTURE_TIMING=1 (bench/), print how
 * long threads were stopped to stderr. */
void runtime_print_timing(void);
/* After each process of apply or revert: with SUTURE_TIMING=1, print the
 * longest stop of a thread of PID (bench/: the longest stop per process
 * of an --all), and start counting afresh for the next process (the line
 * at exit still gives the longest of all). */
void runtime_print_process_timing(pid_t pid);

#endif
