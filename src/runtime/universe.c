/* The per-thread universe byte (see universe.h). */
#include "runtime/universe.h"
#include "common/error.h"

static int thread_pointer(struct proc *p, struct thread *t, const struct user_regs_struct *regs, uint64_t *at)
{
	/* a thread made with a raw clone() and no CLONE_SETTLS has no
	 * thread control block: a slot asking it would fault */
	if (regs->fs_base < 4096)
		return err_set("thread %d (%s) of process %d (%s) has no thread pointer (a raw clone without TLS): "
			       "use --consistency stop", t->tid, t->comm, p->pid, p->comm);
	*at = regs->fs_base + UNIV_OFFSET;
	return 0;
}

int universe_write(struct proc *p, struct thread *t, const struct user_regs_struct *regs, uint8_t u)
{
	uint64_t at = 0;
	if (thread_pointer(p, t, regs, &at) < 0)
		return -1;
	return mem_write(p, at, &u, 1);
}

int universe_read(struct proc *p, struct thread *t, const struct user_regs_struct *regs, uint8_t *u)
{
	uint64_t at = 0;
	if (thread_pointer(p, t, regs, &at) < 0)
		return -1;
	return mem_read(p, at, u, 1);
}
