/* suture audit: see man/suture-audit.1. */
#include "cli/commands.h"
#include "common/error.h"

#include <stdio.h>

const char usage_audit[] =
	"usage: suture audit [--json] FILE | --pid PID\n";

int cmd_audit(int argc, char **argv)
{
	err_report("suture audit", "not available in this version yet");
	return EXIT_FAILED;
}
