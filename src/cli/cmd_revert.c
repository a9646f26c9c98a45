/* suture revert: see man/suture-revert.1. */
#include "cli/commands.h"
#include "common/error.h"

#include <stdio.h>

const char usage_revert[] =
	"usage: suture revert [--timeout SECONDS] PID|--all NAME|--all\n";

int cmd_revert(int argc, char **argv)
{
	err_report("suture revert", "not available in this version yet");
	return EXIT_FAILED;
}
