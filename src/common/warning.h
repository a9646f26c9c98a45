/* Warnings: something went less well than it could, and the command still
 * succeeds (the patch is applied, but gdb will not name its code).
 * Library code records them with warn_add(); the command that called it
 * prints them once, as "suture COMMAND: warning: MESSAGE". */
#ifndef SUTURE_COMMON_WARNING_H
#define SUTURE_COMMON_WARNING_H

/* Records one warning (the oldest are dropped beyond a few dozen, for a
 * long-running `suture watch` that never prints them). */
void warn_add(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "PROG: warning: message" for each recorded one, and forgets them. */
void warn_print(const char *prog);
/* Forgets them unprinted (the command failed: its error says enough). */
void warn_clear(void);

#endif
