/* suture apply: see man/suture-apply.1. */
#include "cli/commands.h"
#include "common/error.h"

#include <stdio.h>

const char usage_apply[] =
	"usage: suture apply [--consistency thread|stop|none] [--timeout SECONDS] [--replace] PID|--all PATCH\n";

int cmd_apply(int argc, char **argv)
{
	err_report("suture apply", "not available in this version yet");
	return EXIT_FAILED;
}
