#include "cli/runtime_args.h"
#include "cli/commands.h"
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

/* Not getopt: "--all" is an operand whose meaning depends on its place,
 * every process in the first (PID|--all) and every patch in the second
 * (`suture revert --all --all`), which getopt cannot tell apart. */
int runtime_args_parse(const char *cmd, int argc, char **argv, struct runtime_args *ra, bool want_target)
{
	memset(ra, 0, sizeof *ra);
	ra->timeout = 10.0;
	bool have_target = !want_target;
	bool only_operands = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		if (!only_operands && strcmp(a, "--") == 0) {
			only_operands = true;
			continue;
		}
		if (!only_operands && (strncmp(a, "--consistency", 13) == 0 || strncmp(a, "--timeout", 9) == 0)) {
			const char *eq = strchr(a, '=');
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return usage_error(cmd, "%s needs a value", a), -1;
			if (a[2] == 'c') {
				if (strcmp(val, "thread") && strcmp(val, "stop") && strcmp(val, "none"))
					return usage_error(cmd, "unknown consistency model '%s' (thread, stop or none)",
							   val), -1;
				ra->model = val;
			} else {
				char *end;
				ra->timeout = strtod(val, &end);
				if (*val == '\0' || *end != '\0' || ra->timeout < 0 || ra->timeout > 86400)
					return usage_error(cmd, "--timeout wants seconds, not '%s'", val), -1;
			}
			continue;
		}
		if (!only_operands && strcmp(a, "--replace") == 0 && strcmp(cmd, "apply") == 0) {
			ra->replace = true;
			continue;
		}
		if (!only_operands && strcmp(a, "--require-signature") == 0 && strcmp(cmd, "apply") == 0) {
			ra->require_signature = true;
			continue;
		}
		if (!only_operands && strncmp(a, "--keys", 6) == 0 && (a[6] == '\0' || a[6] == '=') &&
		    strcmp(cmd, "apply") == 0) {
			if (a[6] == '=')
				ra->keys_dir = a + 7;
			else if (i + 1 < argc)
				ra->keys_dir = argv[++i];
			else
				return usage_error(cmd, "%s needs a value", a), -1;
			continue;
		}
		if (!only_operands && strcmp(a, "--force") == 0 && strcmp(cmd, "status") != 0) {
			ra->force = true;
			continue;
		}
		if (!only_operands && strcmp(a, "--json") == 0 && strcmp(cmd, "status") == 0) {
			ra->json = true;
			continue;
		}
		if (!only_operands && strcmp(a, "--all") == 0) {
			if (!have_target) {
				ra->all = true;
				have_target = true;
			} else {
				if (ra->npos >= 4)
					return usage_error(cmd, "too many operands"), -1;
				ra->pos[ra->npos++] = a;
			}
			continue;
		}
		if (!only_operands && a[0] == '-' && a[1] != '\0')
			return usage_error(cmd, "unknown option '%s'", a), -1;
		if (!have_target) {
			if (!parse_pid(a, &ra->pid))
				return usage_error(cmd, "'%s' is not a process ID (or --all)", a), -1;
			have_target = true;
			continue;
		}
		if (ra->npos >= 4)
			return usage_error(cmd, "too many operands"), -1;
		ra->pos[ra->npos++] = a;
	}
	if (!have_target)
		return usage_error(cmd, "which process? give a PID or --all"), -1;
	return 0;
}

/* SUTURE_TIMING=1 (for bench/): how long threads were stopped. */
void runtime_print_timing(void)
{
	if (!getenv("SUTURE_TIMING"))
		return;
	char steps[512];
	stop_marks_format(steps, sizeof steps);
	fprintf(stderr, "suture-timing: longest-stop-us=%.1f since-interrupt-us=%.1f stops=%llu "
		"last-switch: %s\n", runtime_stats.longest_stop_ns / 1000.0,
		runtime_stats.longest_bound_ns / 1000.0, (unsigned long long)runtime_stats.stops, steps);
}
