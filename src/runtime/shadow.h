/* The shadow-variable table of a process (<suture/shadow.h>).
 *
 * Patch code finds the table through the undefined symbol
 * __suture_shadow_root (a GOT reference); the loader resolves it, for
 * every patch of the process, to one zero-filled page of suture's state
 * mapping (STATE_SHADOW_ROOT), so a stacked or --replace patch finds the
 * shadows an earlier patch attached.  Only patch code writes that page;
 * suture never does. */
#ifndef SUTURE_RUNTIME_SHADOW_H
#define SUTURE_RUNTIME_SHADOW_H

#include "runtime/loader.h"

#include <stdbool.h>
#include <stdint.h>

#define SHADOW_ROOT_SYMBOL "__suture_shadow_root"

/* Is NAME the symbol of the shadow table's root? */
bool shadow_is_root_symbol(const char *name);
/* Points the image's references to the root at the state mapping at
 * STATE_BASE (before image_relocate). */
void shadow_bind_root(struct image *im, uint64_t state_base);

#endif
