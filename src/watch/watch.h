/* `suture watch`: applies every installed patch to each process that
 * starts running its exact target build (docs/operations.md).
 *
 * Event sources, no polling: exec events from the kernel's process
 * connector (a program that is a patch's target), fanotify on each target
 * file install recorded (a library, mapped at start or dlopen'ed later),
 * inotify on the store (patches installed and removed).  Before a patch
 * is applied the process's dynamic loader must be done (watch/settle.h). */
#ifndef SUTURE_WATCH_WATCH_H
#define SUTURE_WATCH_WATCH_H

#include <stdbool.h>

struct watch_opts {
	double timeout;         /* seconds a switch may wait (apply --timeout) */
	int settle_ms;          /* how long to wait for a dynamic loader */
	/* One line of the log (no newline); the command prints it. */
	void (*say)(const char *line);
};

/* Runs until SIGTERM or SIGINT: 0; -1 with err_set() when it cannot start. */
int watch_run(const struct watch_opts *o);

#endif
