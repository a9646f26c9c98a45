#include "runtime/target.h"
#include "runtime/maps.h"
#include "common/error.h"
#include "elf/elffile.h"

#include <string.h>

int runtime_maps_build_id(pid_t pid, const struct build_id *ids, size_t nids)
{
	struct object *objs;
	size_t nobjs;
	int found = 0;
	if (objects_read_now(pid, &objs, &nobjs) < 0)
		return -1;
	for (size_t i = 0; i < nobjs && !found; i++)
		for (size_t k = 0; k < nids && !found; k++)
			found = objs[i].build_id_len == ids[k].len &&
				memcmp(objs[i].build_id, ids[k].id, ids[k].len) == 0;
	objects_free(objs, nobjs);
	return found;
}

int build_id_of_file(const char *path, struct build_id *out)
{
	struct elf_file *ef = elf_file_open(path);
	if (!ef)
		return -1;
	out->len = elf_file_build_id(ef, out->id, sizeof out->id);
	elf_file_close(ef);
	if (out->len == 0)
		return err_set("%s has no build-id: link it with -Wl,--build-id (gcc's default on Debian)", path);
	return 0;
}
