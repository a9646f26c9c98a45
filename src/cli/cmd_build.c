/* suture build: see man/suture-build.1. */
#include "cli/commands.h"
#include "common/error.h"

#include <stdio.h>

const char usage_build[] =
	"usage: suture build [-C SRCDIR] [--build 'CMD'] [--target FILE] -o PATCH DIFF\n       suture build --manual SRC.c --target FILE -o PATCH\n";

int cmd_build(int argc, char **argv)
{
	err_report("suture build", "not available in this version yet");
	return EXIT_FAILED;
}
