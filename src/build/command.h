/* Running the commands of a build: the project's build, gcc -M, suture-cc.
 *
 * SIGINT and SIGTERM received meanwhile are passed on to the running
 * command's process group; command_interrupted() then says so, and the
 * build stops (the overlay keeps the tree as it was). */
#ifndef SUTURE_BUILD_COMMAND_H
#define SUTURE_BUILD_COMMAND_H

#include "common/util.h"

/* Runs ARGV (argv[0] looked up in PATH) in directory CWD, its standard
 * output and error appended to the file LOG (NULL: to OUT when OUT is not
 * NULL, else inherited).  Returns its exit status, 128 + the signal that
 * killed it, or -1 with err_set() when it cannot be started. */
int command_run(char *const argv[], const char *cwd, const char *log, struct buf *out);
/* "sh -c CMD" the same way. */
int command_run_shell(const char *cmd, const char *cwd, const char *log);

/* Installs the SIGINT/SIGTERM handlers. */
void command_catch_signals(void);
/* The signal received, or 0. */
int command_interrupted(void);

#endif
