/* suture impact: see man/suture-impact.1. */
#include "cli/commands.h"
#include "common/error.h"

#include <stdio.h>

const char usage_impact[] =
	"usage: suture impact [--json] [--function NAME]... [--all] FILE...\n";

int cmd_impact(int argc, char **argv)
{
	err_report("suture impact", "not available in this version yet");
	return EXIT_FAILED;
}
