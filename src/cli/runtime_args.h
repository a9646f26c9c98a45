/* Option parsing shared by apply, revert and status. */
#ifndef SUTURE_CLI_RUNTIME_ARGS_H
#define SUTURE_CLI_RUNTIME_ARGS_H

#include <stdbool.h>
#include <sys/types.h>

struct runtime_args {
	const char *model;      /* --consistency, NULL when not given */
	double timeout;         /* --timeout, default 10 */
	bool replace, all, json;
	bool require_signature; /* apply --require-signature (docs/trust.md) */
	const char *keys_dir;   /* apply --keys DIR, NULL when not given */
	bool force;             /* --force: finish a `thread` transition at the timeout, unsafe */
	pid_t pid;              /* when not --all */
	const char *pos[4];     /* the other operands */
	int npos;
};

/* Parses CMD's argv; WANT_TARGET: the first operand is PID or --all.
 * Prints a usage error and returns -1 on bad usage. */
int runtime_args_parse(const char *cmd, int argc, char **argv, struct runtime_args *ra, bool want_target);

/* At exit of apply and revert: with SUTURE_TIMING=1 (bench/), print how
 * long threads were stopped to stderr. */
void runtime_print_timing(void);

#endif
