/* The per-thread universe byte (see universe.h). */
#include "runtime/universe.h"
#include "common/error.h"
#include "common/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

static int no_thread_pointer(struct proc *p, struct thread *t)
{
	return err_set("thread %d (%s) of process %d (%s) has no thread pointer (a raw clone without TLS): "
		       "use --consistency stop", t->tid, t->comm, p->pid, p->comm);
}

static int thread_pointer(struct proc *p, struct thread *t, const struct user_regs_struct *regs, uint64_t *at)
{
	/* a thread made with a raw clone() and no CLONE_SETTLS has no
	 * thread control block: a slot asking it would fault */
	if (regs->fs_base < 4096)
		return no_thread_pointer(p, t);
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

int universe_write_all(struct proc *p, uint8_t u)
{
	struct iovec *remote = xcalloc(p->nthreads + 1, sizeof *remote);
	struct iovec local = { &u, 1 };
	size_t n = 0;
	for (size_t i = 0; i < p->nthreads; i++) {
		struct thread *t = p->threads[i];
		if (!t->seized || t->gone || !t->stopped)
			continue;
		if (t->fs_base < 4096) {
			free(remote);
			return no_thread_pointer(p, t);
		}
		remote[n++] = (struct iovec){ (void *)(uintptr_t)(t->fs_base + UNIV_OFFSET), 1 };
	}
	/* one local byte for every remote one: the kernel walks both lists */
	struct iovec *locals = xcalloc(n + 1, sizeof *locals);
	for (size_t i = 0; i < n; i++)
		locals[i] = local;
	int rc = 0;
	for (size_t done = 0; done < n && rc == 0;) {
		size_t chunk = n - done > 1024 ? 1024 : n - done;
		ssize_t w = process_vm_writev(p->pid, locals + done, chunk, remote + done, chunk, 0);
		if (w <= 0)
			rc = err_set("cannot write the threads' universes in process %d (%s): %s", p->pid, p->comm,
				     strerror(errno));
		done += w > 0 ? (size_t)w : 0;
	}
	free(locals);
	free(remote);
	return rc;
}
