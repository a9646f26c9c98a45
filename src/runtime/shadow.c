/* Binding patches to the process's shadow-variable table (see shadow.h). */
#include "runtime/shadow.h"
#include "runtime/state.h"

#include <string.h>

bool shadow_is_root_symbol(const char *name)
{
	return strcmp(name, SHADOW_ROOT_SYMBOL) == 0;
}

void shadow_bind_root(struct image *im, uint64_t state_base)
{
	for (size_t i = 1; i < im->nsyms; i++)
		if (im->syms[i].shadow_root)
			im->syms[i].value = state_base + STATE_SHADOW_ROOT;
}
