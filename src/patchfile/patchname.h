/* What a patch may be named.  The name is typed on command lines
 * (`suture revert PID NAME`) and kept in each process's record in 127
 * bytes, so it is 1 to 127 letters, digits and . _ + - (no quote, space or
 * slash to get wrong when typing it). */
#ifndef SUTURE_PATCHFILE_PATCHNAME_H
#define SUTURE_PATCHFILE_PATCHNAME_H

#define PATCH_NAME_MAX 127

/* 0 when NAME is a valid patch name; else -1 with err_set() saying why. */
int patch_name_check(const char *name);

#endif
