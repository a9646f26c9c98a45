/* Valid patch names: see patchname.h. */
#include "patchfile/patchname.h"
#include "common/error.h"

#include <ctype.h>
#include <string.h>

int patch_name_check(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > PATCH_NAME_MAX)
		return err_set("a patch name has 1 to %d characters, not %zu", PATCH_NAME_MAX, len);
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._+-", name[i]))
			return err_set("the patch name has a byte %#x; a patch name is made of letters, "
				       "digits and . _ + - (choose one with --name)",
				       (unsigned)(unsigned char)name[i]);
	return 0;
}
