/* Running gcc and its subprocesses from suture-cc. */
#ifndef SUTURE_CC_SPAWN_H
#define SUTURE_CC_SPAWN_H

#include "common/util.h"

/* Runs ARGV (argv[0] looked up in PATH), waits, and returns its exit
 * status, or 128 + the signal that killed it.  -1 with err_set() when it
 * cannot be started.  When ERR is not NULL, its standard error is
 * collected there instead of passed through. */
int spawn_wait(char *const argv[], struct buf *err);

#endif
