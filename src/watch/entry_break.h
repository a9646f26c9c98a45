/* Holding a process that has just exec'd until its dynamic loader has
 * done everything (objects mapped, relocated, initialized): it runs to the
 * program's entry point (AT_ENTRY), where a breakpoint stops it once. */
#ifndef SUTURE_WATCH_ENTRY_BREAK_H
#define SUTURE_WATCH_ENTRY_BREAK_H

#include <stdbool.h>
#include <sys/types.h>

/* Has stopped process PID not reached its entry point yet?  While ld.so
 * starts a program (constructors included) the word below the initial
 * stack pointer (/proc/PID/stat "startstack") is a return address into
 * ld.so (its _start calls _dl_start, then _dl_init, from there); the
 * program's _start overwrites it. */
bool before_entry(pid_t pid);

/* PID must be single-threaded (a program before its entry point is) and
 * stopped by a PTRACE_SEIZE'd interrupt.  Lets it run to its entry point
 * and leaves it stopped there, its code as it was.  Gives up when the
 * timer armed by the caller interrupts the wait.  0, or -1 with
 * err_set(). */
int run_to_entry(pid_t pid);

#endif
