/* The relocated DWARF of the objects of a diff: see debuginfo.h. */
#include "diff/debuginfo.h"
#include "diff/diff.h"

#include "common/util.h"

#include <stdlib.h>
#include <string.h>

static struct debuginfo cache[2];

static const Dwfl_Callbacks offline_callbacks = {
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

struct debuginfo *debuginfo_of(const struct dobj *o)
{
	for (int i = 0; i < 2; i++)
		if (cache[i].obj == o)
			return cache[i].mod ? &cache[i] : NULL;
	struct debuginfo *di = cache[0].obj ? &cache[1] : &cache[0];
	if (di->dwfl)
		dwfl_end(di->dwfl);
	free(di->image);
	memset(di, 0, sizeof *di);
	di->obj = o;
	di->dwfl = dwfl_begin(&offline_callbacks);
	if (!di->dwfl)
		return NULL;
	if (o->image) {
		/* libdwfl relocates the debug sections in place: its own copy */
		di->image = xmalloc(o->image_size);
		memcpy(di->image, o->image, o->image_size);
		di->mod = dwfl_report_offline_memory(di->dwfl, "", o->path, di->image, o->image_size);
	} else {
		di->mod = dwfl_report_offline(di->dwfl, "", o->path, -1);
	}
	dwfl_report_end(di->dwfl, NULL, NULL);
	if (di->mod)
		di->elf = dwfl_module_getelf(di->mod, &di->bias);
	Dwarf_Addr dwarf_bias;
	if (!di->elf || !dwfl_module_getdwarf(di->mod, &dwarf_bias))   /* built without -g */
		di->mod = NULL;
	return di->mod ? di : NULL;
}

bool debuginfo_address(struct debuginfo *di, size_t shndx, uint64_t offset, Dwarf_Addr *addr)
{
	Elf_Scn *scn = elf_getscn(di->elf, shndx);
	GElf_Shdr sh;
	if (!scn || !gelf_getshdr(scn, &sh))
		return false;
	*addr = sh.sh_addr + di->bias + offset;
	return true;
}

void diff_lines_release(void)
{
	for (int i = 0; i < 2; i++) {
		if (cache[i].dwfl)
			dwfl_end(cache[i].dwfl);
		free(cache[i].image);
		memset(&cache[i], 0, sizeof cache[i]);
	}
}
