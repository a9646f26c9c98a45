/* Changing code while the process runs: how the `thread` model writes
 * the entries, so that no thread is held while every other one is stopped.
 *
 * Writing code with every thread stopped holds each of them as long as it
 * takes to stop them all (about 1 ms for 100 threads on a 2-core VM).
 * Instead, one thread of the target makes the changes itself, with no
 * other thread stopped: a short piece of code that suture writes into a
 * page of its own makes the code pages writable (mprotect), makes each
 * change with one 8-byte store, and gives the pages their protection back.
 *
 * Why this is safe for the threads that run on meanwhile:
 *   - a store of 8 bytes within one cache line is atomic on x86-64, so a
 *     thread fetching the code sees every byte old or every byte new;
 *     a write through /proc/PID/mem is not (the kernel copies small
 *     buffers byte by byte), which is why the target stores itself;
 *   - each change starts at an instruction and covers no other
 *     instruction's start (poke_safe checks it on the code as it is): no
 *     thread can be inside the bytes that change, only before them;
 *   - the mprotect calls around the stores send every CPU running the
 *     process an interrupt (the TLB shootdown), which serializes it, so no
 *     CPU runs stale bytes afterwards;
 *   - the piece returns through the trampoline (trampoline.h): if suture
 *     dies while it runs, the thread finishes the changes, restores its own
 *     registers and carries on; the process is never left with a page
 *     writable or half the changes made, unless it dies itself.
 * When the process may not make its code writable (MDWE, an LSM), nothing
 * has changed and the caller writes with every thread stopped instead. */
#ifndef SUTURE_RUNTIME_POKE_H
#define SUTURE_RUNTIME_POKE_H

#include "runtime/proc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One change: LEN (1-8) bytes at ADDR, made in the order given. */
struct poke {
	uint64_t addr;
	uint8_t bytes[8];
	unsigned len;
};

/* Returned by poke_run when the process cannot change its code itself;
 * nothing changed (the reason is in err_msg()). */
#define POKE_CANNOT 1

/* True when every change of W can be made under running threads: an
 * 8-byte window in one cache line holds it, and the instruction that
 * starts at its address covers it all (or the bytes are int3, which no
 * thread runs: an unused room). */
bool poke_safe(struct proc *p, const struct poke *w, size_t n);

/* Makes the N changes of W, in order, by a thread of P (stopped alone for
 * the few system calls that set the piece up). 0, POKE_CANNOT, or -1. */
int poke_run(struct proc *p, const struct poke *w, size_t n);

#endif
