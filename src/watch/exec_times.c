/* When the recent processes exec'd: a ring of the last EXEC_TIMES. */
#include "watch/exec_times.h"

void exec_times_note(struct exec_times *t, pid_t pid, uint64_t when_ns)
{
	unsigned i = t->next++ % EXEC_TIMES;
	t->pid[i] = pid;
	t->when_ns[i] = when_ns;
}

uint64_t exec_times_find(const struct exec_times *t, pid_t pid)
{
	for (unsigned k = 1; k <= EXEC_TIMES && k <= t->next; k++) {
		unsigned i = (t->next - k) % EXEC_TIMES;
		if (t->pid[i] == pid)
			return t->when_ns[i];
	}
	return 0;
}
