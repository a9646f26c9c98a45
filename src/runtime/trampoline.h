/* A trampoline that makes borrowing a thread safe even if suture dies.
 *
 * To run a system call (or a function) in the target, suture points a
 * stopped thread at this code:
 *
 *   call_ret: mov %rax, %rdi          ; a function called remotely returns here:
 *             mov $SYS_getpid, %eax   ;   its result kept in rdi, a harmless syscall
 *   entry:    syscall                 ; suture stops the thread after it
 *             mov SAVE+8*r(%rip), r   ; for every register r but rsp
 *             mov SAVE+8*4(%rip), %rsp
 *             jmp *SAVE+8*16(%rip)    ; back to where the thread was
 *   SAVE:     the thread's registers, written by suture beforehand
 *
 * Normally suture stops the thread at the end of the system call and puts
 * its registers back itself.  If suture is killed meanwhile, the kernel lets
 * the thread run on: it restores its own registers and carries on where it
 * was (re-entering a system call it was interrupted in, as the kernel would
 * have).  The code lives in the unused tail of the last page of an
 * executable segment (the bytes past p_filesz, zero in the file), and is
 * zeroed again when suture is done. */
#ifndef SUTURE_RUNTIME_TRAMPOLINE_H
#define SUTURE_RUNTIME_TRAMPOLINE_H

#include "runtime/proc.h"

#define TRAMP_SIZE 272
#define TRAMP_CALL_RET 0        /* offset: return address for remote calls */
#define TRAMP_ENTRY 8           /* offset: the syscall instruction */
#define TRAMP_AFTER_SYSCALL 10  /* offset: where the thread is at syscall exit */

/* Finds room for the trampoline and writes its code (once per process);
 * 0 with p->tramp == 0 when no executable segment has room. */
int tramp_install(struct proc *p);
/* Writes the registers the thread must get back if suture dies. */
int tramp_save(struct proc *p, const struct user_regs_struct *regs);
/* The 17 values the restore code loads (rax..r15 by number, then rip),
 * a system call the thread was interrupted in set to be entered again. */
void tramp_values(const struct user_regs_struct *regs, uint64_t out[17]);
/* Writes at CODE + AT the code that loads every register from the 17
 * values at CODE + SAVE and jumps to the saved rip (so a piece of code
 * suture sends a thread to can give it back its state itself); returns
 * where that code ends.  LEFT, if not 0: the 4 bytes at CODE + LEFT are
 * set to 1 just before the jump (the thread is then one instruction from
 * leaving). */
size_t tramp_emit_restore(uint8_t *code, size_t at, size_t save, size_t left);
/* Leaves the trampoline in place for good, unused: a thread may still
 * be in it (suture lost hold of it), and finishes there on its own. */
void tramp_keep(struct proc *p);
/* Zeroes the trampoline (no thread may be in it). */
void tramp_remove(struct proc *p);

#endif
