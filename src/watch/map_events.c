/* Which thread opened and closed a target library: fanotify. */
#include "watch/map_events.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/fanotify.h>
#include <unistd.h>

int map_events_open(void)
{
	int fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_REPORT_TID, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set_errno("cannot watch library files (fanotify; run as root)");
	return fd;
}

int map_events_mark(int fd, const char *path)
{
	if (fanotify_mark(fd, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, path) < 0)
		return err_set_errno("cannot watch '%s'", path);
	return 0;
}

void map_events_clear(int fd)
{
	fanotify_mark(fd, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL);
}

int map_events_read(int fd, struct map_event *out, int max)
{
	char buf[4096] __attribute__((aligned(8)));
	ssize_t len = read(fd, buf, sizeof buf);
	if (len < 0)
		return errno == EINTR ? 0 : err_set_errno("reading library events");
	int n = 0;
	for (struct fanotify_event_metadata *m = (struct fanotify_event_metadata *)buf;
	     FAN_EVENT_OK(m, len); m = FAN_EVENT_NEXT(m, len)) {
		if (m->fd < 0)
			continue;
		char link[64];
		snprintf(link, sizeof link, "/proc/self/fd/%d", m->fd);
		ssize_t plen = n < max ? readlink(link, out[n].path, sizeof out[n].path - 1) : -1;
		if (plen > 0 && m->vers == FANOTIFY_METADATA_VERSION) {
			out[n].path[plen] = '\0';
			out[n++].tid = m->pid;
		}
		close(m->fd);
	}
	return n;
}
