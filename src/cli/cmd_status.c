/* suture status: see man/suture-status.1. */
#include "cli/commands.h"
#include "common/error.h"

#include <stdio.h>

const char usage_status[] =
	"usage: suture status [--json] [PID|--all]\n";

int cmd_status(int argc, char **argv)
{
	err_report("suture status", "not available in this version yet");
	return EXIT_FAILED;
}
