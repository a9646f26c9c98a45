/* Which process opened (and closed) a target library: fanotify marks on
 * the library files, so a library mapped at start or dlopen'ed later is
 * seen without polling.  The dynamic loader opens the file, then maps it:
 * the open is the event (FAN_OPEN), with the thread that did it
 * (FAN_REPORT_TID); the mapping follows (watch/settle.h waits for it).
 * The close would come later but is no event: the mapping keeps the file
 * open until it is unmapped.  Needs CAP_SYS_ADMIN. */
#ifndef SUTURE_WATCH_MAP_EVENTS_H
#define SUTURE_WATCH_MAP_EVENTS_H

#include <sys/types.h>

/* A new fanotify group; -1 with err_set(). */
int map_events_open(void);
/* Watches PATH (one file); 0, or -1 with err_set(). */
int map_events_mark(int fd, const char *path);
/* Forgets every mark. */
void map_events_clear(int fd);
struct map_event {
	pid_t tid;              /* the thread that opened the file */
	char path[256];         /* the file, as marked */
};
/* The events of one read (blocks until one arrives), at most MAX; their
 * number, or -1 with err_set(). */
int map_events_read(int fd, struct map_event *out, int max);

#endif
