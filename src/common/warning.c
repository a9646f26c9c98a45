/* Recorded warnings (see warning.h). */
#include "common/warning.h"
#include "common/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WARN_KEEP 32

static char *warnings[WARN_KEEP];
static size_t nwarnings;

void warn_add(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (nwarnings == WARN_KEEP) {
		free(warnings[0]);
		memmove(warnings, warnings + 1, (WARN_KEEP - 1) * sizeof *warnings);
		nwarnings--;
	}
	warnings[nwarnings++] = xstrdup(buf);
}

void warn_print(const char *prog)
{
	for (size_t i = 0; i < nwarnings; i++) {
		fprintf(stderr, "%s: warning: %s\n", prog, warnings[i]);
		free(warnings[i]);
	}
	nwarnings = 0;
}

void warn_clear(void)
{
	for (size_t i = 0; i < nwarnings; i++)
		free(warnings[i]);
	nwarnings = 0;
}
