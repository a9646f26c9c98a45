/* The progress line of --all on a terminal: one line on stderr, redrawn
 * in place ("\r"), erased before any other message and at the end.
 * Nothing is drawn when stderr is not a terminal. */
#ifndef SUTURE_CLI_PROGRESS_H
#define SUTURE_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

struct progress {
	const char *prog;       /* "suture apply" */
	const char *verb;       /* "patched", "reverted" */
	size_t total;
	bool tty;
	bool drawn;
};

void progress_start(struct progress *p, const char *prog, const char *verb, size_t total);
/* AT processes looked at, DONE of them changed: drawn every 16 and at the end. */
void progress_show(struct progress *p, size_t at, size_t done);
/* Erases the line (before a message, and at the end). */
void progress_clear(struct progress *p);

#endif
