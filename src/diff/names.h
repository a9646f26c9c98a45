/* GCC's symbol names, and what in them changes from build to build.
 *
 * gcc numbers what it makes: clones (f.isra.0, f.constprop.1, f.part.0,
 * compounds such as f.isra.0.constprop.1), static locals (count.3),
 * switch tables (CSWTCH.7).  The numbers come from counters over the
 * whole unit, so an unrelated change renumbers them; the key of a name
 * replaces each number by '#' so the two builds can be matched.  So do
 * names ending in a counter without a dot (__UNIQUE_ID_license12, names
 * pasted with __COUNTER__): their key ends in '#' instead. */
#ifndef SUTURE_DIFF_NAMES_H
#define SUTURE_DIFF_NAMES_H

#include <stdbool.h>

/* The key of NAME (a new string). */
char *name_key(const char *name);
/* True for f.cold, f.part.0.cold: code split off from a function. */
bool name_is_part(const char *name);
/* True when NAME is a clone gcc made (isra, constprop, part). */
bool name_is_clone(const char *name);
/* The source function's name: NAME up to the first '.' (a new string). */
char *name_base(const char *name);

#endif
