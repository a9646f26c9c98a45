/* Running a just-exec'd process to its entry point: an int3 there.
 *
 * The breakpoint is the only byte watch ever writes on its own; it is in
 * the program's private copy of the page (copy-on-write) and removed
 * before the program runs its first instruction.  A hardware breakpoint
 * would write nothing, but debug registers do not work in every virtual
 * machine.  Should watch be killed in between, the program would die of
 * the SIGTRAP before running any code of its own. */
#include "watch/entry_break.h"
#include "watch/loader_state.h"
#include "watch/proc_stat.h"
#include "common/error.h"
#include "common/util.h"
#include "runtime/maps.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static int poke_byte(int mem, uint64_t addr, uint8_t byte)
{
	return pwrite(mem, &byte, 1, (off_t)addr) == 1 ? 0 : -1;
}

/* Continues PID until it stops at ENTRY + 1 (after the int3); signals on
 * the way are passed on. */
static int wait_for_trap(pid_t pid, uint64_t entry)
{
	int sig = 0;
	for (;;) {
		int status;
		if (ptrace(PTRACE_CONT, pid, 0, sig) < 0)
			return -1;
		sig = 0;
		if (waitpid(pid, &status, __WALL) < 0) {
			if (errno == EINTR && ptrace(PTRACE_INTERRUPT, pid, 0, 0) == 0)
				waitpid(pid, &status, __WALL);
			return -1;
		}
		if (!WIFSTOPPED(status))
			return -1;
		struct user_regs_struct regs;
		if (WSTOPSIG(status) == SIGTRAP && (status >> 16) == 0 &&
		    ptrace(PTRACE_GETREGS, pid, 0, &regs) == 0 && regs.rip == entry + 1) {
			regs.rip = entry;
			return (int)ptrace(PTRACE_SETREGS, pid, 0, &regs);
		}
		if ((status >> 16) == 0)
			sig = WSTOPSIG(status);
	}
}

static uint64_t start_stack(pid_t pid)
{
	unsigned long long sp;
	return proc_stat_field(pid, 28, &sp) ? sp : 0;
}

bool before_entry(pid_t pid)
{
	uint64_t sp = start_stack(pid), base = auxv_value(pid, AT_BASE), word = 0;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", pid);
	int mem = sp && base ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (mem < 0 || pread(mem, &word, sizeof word, (off_t)(sp - 8)) != sizeof word)
		word = 0;
	if (mem >= 0)
		close(mem);
	struct maps m;
	if (!word || maps_read(pid, &m) < 0) {
		err_clear();
		return false;
	}
	const struct map *ldso = maps_find(&m, base), *at = maps_find(&m, word);
	bool in_ldso_code = ldso && at && strcmp(at->path, ldso->path) == 0 && at->perms[2] == 'x';
	maps_free(&m);
	return in_ldso_code;
}

int run_to_entry(pid_t pid)
{
	uint64_t entry = auxv_value(pid, AT_ENTRY);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", pid);
	int mem = open(path, O_RDWR | O_CLOEXEC);
	uint8_t orig;
	if (!entry || mem < 0 || pread(mem, &orig, 1, (off_t)entry) != 1 || poke_byte(mem, entry, 0xcc) < 0) {
		if (mem >= 0)
			close(mem);
		return err_set_errno("process %d: cannot stop it at its entry point", pid);
	}
	int rc = wait_for_trap(pid, entry);
	/* Stopped (at the trap, or interrupted): the byte goes back. */
	if (poke_byte(mem, entry, orig) < 0 && rc == 0)
		rc = -1;
	close(mem);
	if (rc < 0)
		return err_set("process %d: did not reach its entry point", pid);
	return 0;
}
