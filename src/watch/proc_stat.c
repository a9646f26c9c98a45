/* One numeric field of /proc/PID/stat. */
#include "watch/proc_stat.h"
#include "common/error.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool proc_stat_field(pid_t pid, int field, unsigned long long *value)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	size_t len;
	char *text = read_whole_file(path, &len);
	err_clear();
	/* Field 3 starts after the command name (field 2), which may hold
	 * spaces and parentheses: after its last ')'. */
	char *p = text ? strrchr(text, ')') : NULL;
	for (int f = 2; p && f < field; f++)
		p = strchr(p + 1, ' ');
	bool ok = p != NULL;
	if (ok)
		*value = strtoull(p + 1, NULL, 10);
	free(text);
	return ok;
}
