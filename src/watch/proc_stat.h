/* One numeric field of /proc/PID/stat (proc(5) numbering: 7 tty_nr,
 * 22 starttime, 28 startstack). */
#ifndef SUTURE_WATCH_PROC_STAT_H
#define SUTURE_WATCH_PROC_STAT_H

#include <stdbool.h>
#include <sys/types.h>

/* False when PID is gone. */
bool proc_stat_field(pid_t pid, int field, unsigned long long *value);

#endif
