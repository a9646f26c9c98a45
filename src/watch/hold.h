/* Holding a starting process stopped (SIGSTOP) while its patch is
 * applied, so that it runs no code of the target before the fix: released
 * with SIGCONT right after.  Only processes without a controlling terminal
 * (services): a shell's job control would see an interactive program stop.
 * A marker in STORE/.held/ lets a restarted watch release a process that
 * a killed watch left stopped. */
#ifndef SUTURE_WATCH_HOLD_H
#define SUTURE_WATCH_HOLD_H

#include <stdbool.h>
#include <sys/types.h>

/* May PID be held (it has no controlling terminal)? */
bool hold_allowed(pid_t pid);
/* Sends PID the SIGSTOP that holds it (it stops when it runs next), after
 * leaving the marker.  0, or -1 with err_set(). */
int hold_begin(pid_t pid);
/* SIGCONT, and the marker goes. */
void hold_end(pid_t pid);
/* At start: releases every process a previous watch left held. */
void hold_release_leftovers(void);

#endif
