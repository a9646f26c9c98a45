/* The memory of a traced process, through /proc/PID/mem: one pread or
 * pwrite per access, and writes reach read-only and executable pages too
 * (the kernel copies them on write), so code needs no mprotect dance. */
#include "runtime/proc.h"
#include "common/error.h"

#include <errno.h>
#include <unistd.h>

int mem_read(struct proc *p, uint64_t addr, void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = pread(p->mem_fd, (char *)buf + done, len - done, (off_t)(addr + done));
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n == 0 || errno == EIO || errno == EFAULT)
				return err_set("cannot read %zu bytes at 0x%llx in process %d: not mapped",
					       len, (unsigned long long)addr, p->pid);
			return err_set_errno("cannot read memory of process %d at 0x%llx",
					     p->pid, (unsigned long long)addr);
		}
		done += (size_t)n;
	}
	return 0;
}

int mem_write(struct proc *p, uint64_t addr, const void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = pwrite(p->mem_fd, (const char *)buf + done, len - done, (off_t)(addr + done));
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return err_set_errno("cannot write memory of process %d at 0x%llx",
					     p->pid, (unsigned long long)addr);
		}
		done += (size_t)n;
	}
	return 0;
}
