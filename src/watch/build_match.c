/* Does a process run the exact build a patch is for: by build-id, read
 * from the mapped files themselves (runtime/maps.h). */
#include "watch/build_match.h"
#include "common/error.h"
#include "runtime/maps.h"

#include <string.h>

static bool same_id(const struct object *o, const struct suture_patch_object *po)
{
	return po->build_id_len && o->build_id_len == po->build_id_len &&
	       memcmp(o->build_id, po->build_id, po->build_id_len) == 0;
}

enum build_match build_match(pid_t pid, const struct patch_file *pf)
{
	struct object *objs = NULL;
	size_t n = 0;
	enum build_match found = BUILD_ABSENT;
	if (objects_read_now(pid, &objs, &n) == 0) {
		for (size_t i = 0; i < n && found != BUILD_EXACT; i++)
			for (uint32_t k = 0; k < pf->header->n_objects; k++) {
				if (same_id(&objs[i], &pf->objects[k]))
					found = BUILD_EXACT;
				else if (strcmp(objs[i].basename, patch_string(pf, pf->objects[k].name)) == 0)
					found = BUILD_OTHER;
			}
		objects_free(objs, n);
	}
	err_clear();
	return found;
}
