/* Compiling a source file as one of the target's units was compiled:
 * with its record's options (its -I, -D, -O, -f..., the level), in its
 * directory, through suture-cc, but with the object written into the work
 * directory and no dependency files, so nothing lands in the tree.  For
 * suture build --manual: the patch source, and a unit whose object the
 * tree no longer has. */
#ifndef SUTURE_BUILD_UNIT_COMPILE_H
#define SUTURE_BUILD_UNIT_COMPILE_H

#include "build/session.h"

/* Compiles SOURCE (absolute) with the options of REC into OBJECT; with
 * KEEP_STATICS, every static function it defines is kept even if nothing
 * calls it (-fkeep-static-functions: in a patch source, each function is
 * a replacement).  0, or -1 with err_set() (the compiler's messages end up
 * in the report's log tail). */
int compile_as_unit(struct build_session *s, const struct unit_record *rec, const char *source,
		    const char *object, bool keep_statics);

#endif
