/* suture info: see man/suture-info.1. */
#include "cli/commands.h"
#include "common/error.h"

#include <stdio.h>

const char usage_info[] =
	"usage: suture info [--json] PATCH\n";

int cmd_info(int argc, char **argv)
{
	err_report("suture info", "not available in this version yet");
	return EXIT_FAILED;
}
