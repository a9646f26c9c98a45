/* A thread's universe: one byte in its thread control block.
 *
 * During a `thread`-model transition a slot asks each calling thread
 * which version it runs with `cmpb $0, %fs:UNIV_OFFSET` (redirect.h).
 * The byte lies in glibc's tcbhead_t (sysdeps/x86_64/nptl/tls.h), at the
 * thread pointer on x86-64: `__glibc_unused2`, 512 bytes at %fs:0x80 that
 * glibc 2.26 and later keep only for the structure's size (it was
 * _dl_runtime_resolve's SSE save area before; AddressSanitizer depends on
 * the size, not the contents).  Its last byte, %fs:0x27f, is ours: 0 old
 * universe, anything else new.  Nothing in glibc 2.36 reads or writes
 * there, and a process is never asked about a byte it did not get from
 * suture while a gate says "by thread".
 *
 * Written by suture through /proc/PID/mem at fs_base + UNIV_OFFSET while
 * the thread is stopped (fs_base comes from its registers).  A fork()
 * child copies its parent's byte with the rest of memory. */
#ifndef SUTURE_RUNTIME_UNIVERSE_H
#define SUTURE_RUNTIME_UNIVERSE_H

#include "runtime/proc.h"

#define UNIV_OFFSET 0x27fu

/* The byte of stopped thread T (whose registers are REGS) := U, or read. */
int universe_write(struct proc *p, struct thread *t, const struct user_regs_struct *regs, uint8_t u);
int universe_read(struct proc *p, struct thread *t, const struct user_regs_struct *regs, uint8_t *u);
/* Every stopped thread's byte := U, in one process_vm_writev (their
 * fs_base read since they stopped). */
int universe_write_all(struct proc *p, uint8_t u);

#endif
