/* Small helpers every part uses: allocation that cannot fail silently,
 * whole-file reads, and a growable byte buffer. */
#ifndef SUTURE_COMMON_UTIL_H
#define SUTURE_COMMON_UTIL_H

#include <stddef.h>
#include <stdbool.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Out of memory is not an error suture can report usefully and recover
 * from, so these print one line and exit(1). */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Read a whole file into a NUL-terminated buffer; NULL and err_set() on
 * failure.  *len gets the size without the NUL. */
char *read_whole_file(const char *path, size_t *len);

/* The first line of a small file (/proc/PID/comm) into OUT, without its
 * newline; "?" when it cannot be read (the process is gone). */
void read_first_line(const char *path, char *out, size_t size);

/* A growable buffer of bytes, always NUL-terminated for text use. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};
void buf_add(struct buf *b, const void *data, size_t len);
void buf_addstr(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);
/* Appends everything that can be read from FD until end of file. */
void buf_read_fd(struct buf *b, int fd);

bool str_starts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);
/* True when S is one of the N strings of LIST. */
bool str_in_list(char *const *list, size_t n, const char *s);

#endif
