/* The source diff a patch was made from (a unified diff, `diff -u`, `git
 * diff` or `patch -p1` style), read for one purpose: telling a __LINE__
 * that only moved from a real change in objects built without -g
 * (linefix.c, docs/diff.md "__LINE__ moves without -g").
 *
 * For each file of the diff it keeps its hunks, so that an old line number
 * can be followed to its new one, and the text of the lines the diff
 * removes and adds, where a constant changed on purpose would be written. */
#ifndef SUTURE_DIFF_SRCDIFF_H
#define SUTURE_DIFF_SRCDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct srcdiff;

/* Reads the unified diff at PATH; NULL with err_set() when it cannot be
 * read or holds no hunk. */
struct srcdiff *srcdiff_read(const char *path);
void srcdiff_free(struct srcdiff *sd);

/* True when, in the file of SD whose name ends in "/" UNIT (or is UNIT),
 * OLD_LINE is a line the diff leaves as it is, it is line NEW_LINE
 * afterwards, and neither number is written in a line the diff removes
 * or adds.  False as well when no file or more than one matches. */
bool srcdiff_line_moved(const struct srcdiff *sd, const char *unit, int64_t old_line,
			int64_t new_line);

#endif
