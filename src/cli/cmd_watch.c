/* suture watch: see man/suture-watch.1. */
#include "cli/commands.h"
#include "common/error.h"
#include "watch/watch.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

const char usage_watch[] =
	"usage: suture watch [--timeout SECONDS]\n"
	"  applies every installed patch to each process that starts running its\n"
	"  target build (as root; run by suture-watch.service); logs to stdout\n"
	"  --timeout SECONDS  how long each switch may wait (default 2)\n";

static void say(const char *line)
{
	printf("%s\n", line);
	fflush(stdout);
}

int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = { { "timeout", required_argument, NULL, 'T' }, { 0 } };
	struct watch_opts o = { .timeout = 2.0, .settle_ms = 2000, .say = say };
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		char *end;
		if (c != 'T')
			return option_error("watch", c, argv);
		o.timeout = strtod(optarg, &end);
		if (*end || end == optarg || o.timeout <= 0)
			return usage_error("watch", "--timeout takes a number of seconds, not '%s'", optarg);
	}
	if (optind != argc)
		return usage_error("watch", "takes no operand");
	if (watch_run(&o) < 0) {
		err_print("suture watch");
		return EXIT_FAILED;
	}
	return EXIT_DONE;
}
