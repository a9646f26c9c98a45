#include "cli/progress.h"

#include <stdio.h>
#include <unistd.h>

void progress_start(struct progress *p, const char *prog, const char *verb, size_t total)
{
	*p = (struct progress){ .prog = prog, .verb = verb, .total = total, .tty = isatty(2) };
}

void progress_show(struct progress *p, size_t at, size_t done)
{
	if (!p->tty || (at % 16 != 0 && at != p->total))
		return;
	fprintf(stderr, "\r%s: %zu/%zu processes looked at, %zu %s", p->prog, at, p->total, done, p->verb);
	p->drawn = true;
}

void progress_clear(struct progress *p)
{
	if (!p->drawn)
		return;
	fprintf(stderr, "\r\033[K");
	p->drawn = false;
}
