/* suture audit: see man/suture-audit.1. */
#include "cli/commands.h"
#include "common/error.h"
#include "impact/audit.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

const char usage_audit[] =
	"usage: suture audit [--json] FILE | --pid PID\n";

static int parse_pid(const char *text, pid_t *pid)
{
	char *end;
	long v = strtol(text, &end, 10);
	if (*text == '\0' || *end != '\0' || v <= 0 || v > 0x7fffffff)
		return -1;
	*pid = (pid_t)v;
	return 0;
}

int cmd_audit(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pid", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	const char *pid_text = NULL;
	int opt;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'p':
			pid_text = optarg;
			break;
		case ':':
			return usage_error("audit", "--pid needs a process id");
		default:
			return option_error("audit", opt, argv);
		}
	}
	int n_files = argc - optind;
	if ((pid_text && n_files != 0) || (!pid_text && n_files != 1))
		return usage_error("audit", "give one FILE, or --pid PID");
	struct audit_report report;
	int ret;
	if (pid_text) {
		pid_t pid;
		if (parse_pid(pid_text, &pid) < 0)
			return usage_error("audit", "'%s' is not a process id", pid_text);
		ret = audit_process(pid, &report);
	} else {
		ret = audit_file(argv[optind], &report);
	}
	if (ret < 0) {
		audit_report_free(&report);
		err_print("suture audit");
		return EXIT_FAILED;
	}
	if (json)
		audit_print_json(&report, stdout);
	else
		audit_print_text(&report, stdout);
	bool blocked = audit_has_blocker(&report);
	audit_report_free(&report);
	return blocked ? EXIT_FAILED : EXIT_DONE;
}
