/* suture diff: see man/suture-diff.1. */
#include "cli/commands.h"
#include "common/error.h"

#include <stdio.h>

const char usage_diff[] =
	"usage: suture diff [--json] ORIG.o PATCHED.o [-o OUT.o]\n";

int cmd_diff(int argc, char **argv)
{
	err_report("suture diff", "not available in this version yet");
	return EXIT_FAILED;
}
