/* How suture reports failure.
 *
 * Library code never prints and never exits: it records one message with
 * err_set() and returns -1 (or NULL).  The command that called it prints the
 * message once, as "suture COMMAND: MESSAGE", and chooses the exit status.
 * A message names the thing that is wrong and says what to do about it. */
#ifndef SUTURE_COMMON_ERROR_H
#define SUTURE_COMMON_ERROR_H

#include <stdarg.h>

/* Exit statuses every command shares (docs/cli.md). */
enum suture_exit {
	EXIT_DONE = 0,       /* done */
	EXIT_FAILED = 1,     /* failed; nothing was changed */
	EXIT_USAGE = 2,      /* bad usage */
	EXIT_NO_CHANGE = 3,  /* diff/build: no functional change found */
	EXIT_TIMEOUT = 4,    /* apply/revert: transition reversed after --timeout */
};

/* Record the message; returns -1 so callers can `return err_set(...)`. */
int err_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, with ": strerror(errno)" appended (errno as it was on entry). */
int err_set_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Put context in front of the recorded message: "CONTEXT: old message". */
int err_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The recorded message, or "unknown error" when none was recorded. */
const char *err_msg(void);
void err_clear(void);
/* The message now, kept aside (NULL if none), for work that must not
 * change it (cleaning up after an error); err_restore puts it back and
 * frees it. */
char *err_save(void);
void err_restore(char *saved);

/* Print "PROG: message" for the recorded message to stderr. */
void err_print(const char *prog);
/* Print "PROG: formatted text" to stderr (for the command layer). */
void err_report(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_vreport(const char *prog, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
