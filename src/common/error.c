#include "common/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One message per thread is enough: the first failure ends the operation. */
static __thread char err_buf[2048];

int err_set(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err_buf, sizeof err_buf, fmt, ap);
	va_end(ap);
	return -1;
}

/* err_buf = "HEAD: TAIL", cut at the buffer's end if it must be. */
static void join(const char *head, const char *tail)
{
	if (snprintf(err_buf, sizeof err_buf, "%s: %s", head, tail) >= (int)sizeof err_buf)
		memcpy(err_buf + sizeof err_buf - 4, "...", 4);
}

int err_set_errno(const char *fmt, ...)
{
	int saved = errno;
	char head[sizeof err_buf];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	join(head, strerror(saved));
	errno = saved;
	return -1;
}

int err_prefix(const char *fmt, ...)
{
	char head[sizeof err_buf];
	char old[sizeof err_buf];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	snprintf(old, sizeof old, "%s", err_buf);
	join(head, old);
	return -1;
}

const char *err_msg(void)
{
	return err_buf[0] ? err_buf : "unknown error";
}

void err_clear(void)
{
	err_buf[0] = '\0';
}

char *err_save(void)
{
	return err_buf[0] ? strdup(err_buf) : NULL;
}

void err_restore(char *saved)
{
	if (saved)
		snprintf(err_buf, sizeof err_buf, "%s", saved);
	else
		err_clear();
	free(saved);
}

void err_print(const char *prog)
{
	fprintf(stderr, "%s: %s\n", prog, err_msg());
}

void err_report(const char *prog, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vreport(prog, fmt, ap);
	va_end(ap);
}

void err_vreport(const char *prog, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}
