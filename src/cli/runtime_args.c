#include "cli/runtime_args.h"
#include "cli/commands.h"
#include "common/util.h"
#include "runtime/proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v <= 0 || v > 4194304)
		return false;
	*pid = (pid_t)v;
	return true;
}

/* An option that takes a value, as "--opt VALUE" or "--opt=VALUE";
 * *I moves past the value.  NULL when ARG is not OPT. */
static const char *option_value(const char *opt, int argc, char **argv, int *i, bool *missing)
{
	size_t len = strlen(opt);
	const char *a = argv[*i];
	if (strncmp(a, opt, len) != 0 || (a[len] != '\0' && a[len] != '='))
		return NULL;
	if (a[len] == '=')
		return a + len + 1;
	if (*i + 1 < argc)
		return argv[++*i];
	*missing = true;
	return NULL;
}

/* The options with a value; 1 when ARGV[*I] was one, -1 on bad usage. */
static int value_option(const char *cmd, int argc, char **argv, int *i, struct runtime_args *ra)
{
	bool missing = false;
	const char *a = argv[*i], *val;
	if ((val = option_value("--consistency", argc, argv, i, &missing))) {
		if (strcmp(val, "thread") && strcmp(val, "stop") && strcmp(val, "none"))
			return usage_error(cmd, "unknown consistency model '%s' (thread, stop or none)", val), -1;
		ra->model = val;
		return 1;
	}
	if ((val = option_value("--timeout", argc, argv, i, &missing))) {
		char *end;
		ra->timeout = strtod(val, &end);
		if (*val == '\0' || *end != '\0' || ra->timeout < 0 || ra->timeout > 86400)
			return usage_error(cmd, "--timeout wants seconds, not '%s'", val), -1;
		return 1;
	}
	if (strcmp(cmd, "apply") == 0 && (val = option_value("--target", argc, argv, i, &missing))) {
		ra->target_file = val;
		return 1;
	}
	if (strcmp(cmd, "apply") == 0 && (val = option_value("--keys", argc, argv, i, &missing))) {
		ra->keys_dir = val;
		return 1;
	}
	if (missing)
		return usage_error(cmd, "%s needs a value", a), -1;
	return 0;
}

/* The options without a value, each for the commands it means something to. */
static bool flag_option(const char *cmd, const char *a, struct runtime_args *ra)
{
	bool apply = strcmp(cmd, "apply") == 0, status = strcmp(cmd, "status") == 0;
	if (apply && strcmp(a, "--replace") == 0)
		ra->replace = true;
	else if (strcmp(a, "--json") == 0)
		ra->json = true;
	else if (!status && strcmp(a, "--dry-run") == 0)
		ra->dry_run = true;
	else if (!status && strcmp(a, "--force") == 0)
		ra->force = true;
	else if (apply && strcmp(a, "--require-signature") == 0)
		ra->require_signature = true;
	else
		return false;
	return true;
}

/* The processes: PIDs, or --all alone. */
static int take_targets(const char *cmd, const char **ops, size_t n, struct runtime_args *ra)
{
	ra->pids = xcalloc(n + 1, sizeof *ra->pids);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ops[i], "--all") == 0) {
			if (n > 1)
				return usage_error(cmd, "--all or PIDs, not both"), -1;
			ra->all = true;
		} else if (!parse_pid(ops[i], &ra->pids[ra->npids++])) {
			return usage_error(cmd, "'%s' is not a process ID (or --all)", ops[i]), -1;
		}
	}
	return 0;
}

/* Not getopt: "--all" is an operand whose meaning depends on its place,
 * every process among the targets and every patch as revert's NAME
 * (`suture revert --all --all`), which getopt cannot tell apart. */
int runtime_args_parse(const char *cmd, int argc, char **argv, struct runtime_args *ra, bool want_last)
{
	memset(ra, 0, sizeof *ra);
	ra->timeout = 10.0;
	const char **ops = xcalloc((size_t)argc + 1, sizeof *ops);
	size_t nops = 0;
	bool only_operands = false;
	int rc = 0;
	for (int i = 1; i < argc && rc == 0; i++) {
		const char *a = argv[i];
		if (only_operands || strcmp(a, "--all") == 0 || a[0] != '-' || a[1] == '\0') {
			ops[nops++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_operands = true;
			continue;
		}
		rc = value_option(cmd, argc, argv, &i, ra);
		if (rc == 0 && !flag_option(cmd, a, ra))
			rc = (usage_error(cmd, "unknown option '%s'", a), -1);
		if (rc > 0)
			rc = 0;
	}
	if (rc == 0 && want_last) {
		if (nops < 2)
			rc = (usage_error(cmd, "which process? give PID... or --all%s%s",
					  nops ? " before " : "", nops ? ops[0] : ""), -1);
		else
			ra->last = ops[--nops];
	}
	if (rc == 0)
		rc = take_targets(cmd, ops, nops, ra);
	free(ops);
	return rc;
}

void runtime_args_free(struct runtime_args *ra)
{
	free(ra->pids);
	ra->pids = NULL;
}

/* The longest stops of the processes done before the current one. */
static uint64_t earlier_longest_ns, earlier_bound_ns;

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* SUTURE_TIMING=1 (for bench/): how long threads were stopped. */
void runtime_print_timing(void)
{
	if (!getenv("SUTURE_TIMING"))
		return;
	char steps[512];
	stop_marks_format(steps, sizeof steps);
	fprintf(stderr, "suture-timing: longest-stop-us=%.1f since-interrupt-us=%.1f stops=%llu "
		"last-switch: %s\n", max_u64(earlier_longest_ns, runtime_stats.longest_stop_ns) / 1000.0,
		max_u64(earlier_bound_ns, runtime_stats.longest_bound_ns) / 1000.0,
		(unsigned long long)runtime_stats.stops, steps);
}

void runtime_print_process_timing(pid_t pid)
{
	if (!getenv("SUTURE_TIMING"))
		return;
	if (runtime_stats.longest_stop_ns)
		fprintf(stderr, "suture-timing: process %d stop-max-us=%.1f\n", pid,
			runtime_stats.longest_stop_ns / 1000.0);
	earlier_longest_ns = max_u64(earlier_longest_ns, runtime_stats.longest_stop_ns);
	earlier_bound_ns = max_u64(earlier_bound_ns, runtime_stats.longest_bound_ns);
	runtime_stats.longest_stop_ns = runtime_stats.longest_bound_ns = 0;
}
