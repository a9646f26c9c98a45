#include "cc/entry_form.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

static const struct entry_form forms[] = {
	/* 16 keeps the entry on the 16-byte boundary GCC aligns the room to. */
	{ "prefix", "prefix16", "-fpatchable-function-entry=16,16", 16, 1 },
	{ "nop", "nop5", "-fpatchable-function-entry=5", 5, 0 },
};

const struct entry_form *entry_form_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(forms); i++)
		if (strcmp(forms[i].name, name) == 0)
			return &forms[i];
	return NULL;
}

const struct entry_form *entry_form_of_stage(void)
{
	const char *name = getenv(ENV_ENTRY);
	const struct entry_form *form = name ? entry_form_find(name) : NULL;
	return form ? form : entry_form_find(ENTRY_FORM_DEFAULT);
}
