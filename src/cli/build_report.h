/* Printing suture build's report, as text or JSON (docs/build.md). */
#ifndef SUTURE_CLI_BUILD_REPORT_H
#define SUTURE_CLI_BUILD_REPORT_H

#include "build/build.h"

/* Prints the report of a build_run() that returned OUTCOME (-1: the
 * recorded error) and returns the exit status. */
int build_report_print(const struct build_report *r, int outcome, bool json, const char *out);

#endif
