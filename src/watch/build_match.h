/* Does a process run the exact build a patch is for? */
#ifndef SUTURE_WATCH_BUILD_MATCH_H
#define SUTURE_WATCH_BUILD_MATCH_H

#include "patchfile/patchread.h"

#include <sys/types.h>

enum build_match {
	BUILD_ABSENT,           /* no object of the patch is mapped */
	BUILD_EXACT,            /* an object with the patch's build-id is mapped */
	BUILD_OTHER,            /* an object of that name, another build */
};

/* Reads PID's maps and its mapped objects' build-ids. */
enum build_match build_match(pid_t pid, const struct patch_file *pf);

#endif
