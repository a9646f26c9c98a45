/* Is a patch made for this file?  Checked before `suture install --target`
 * binds a patch that names no build to the build of the file, so that the
 * store never holds a patch bound to a program it does not fit. */
#include "store/target_check.h"
#include "common/error.h"
#include "elf/elffile.h"

#include <string.h>

/* The file's bytes of SYM, or NULL when they are not all in one section. */
static const uint8_t *symbol_bytes(struct elf_file *ef, const GElf_Sym *sym)
{
	Elf_Scn *scn = elf_getscn(ef->elf, sym->st_shndx);
	GElf_Shdr sh;
	if (!scn || !elf_file_shdr(scn, &sh))
		return NULL;
	Elf_Data *d = elf_file_data(scn);
	uint64_t off = sym->st_value - sh.sh_addr;
	if (!d || sym->st_value < sh.sh_addr || off > d->d_size || sym->st_size > d->d_size - off)
		return NULL;
	return (const uint8_t *)d->d_buf + off;
}

/* Why symbol SYM of TARGET is not F's old function (NULL: it is). */
static const char *mismatch(struct elf_file *ef, const GElf_Sym *sym, const struct patch_file *pf,
			    const struct suture_patch_func *f)
{
	if (sym->st_size != f->old_size)
		return "its size differs";
	const uint8_t *have = symbol_bytes(ef, sym);
	const uint8_t *want = pf->oldcode + f->old_bytes, *mask = pf->oldcode + f->old_mask;
	for (uint64_t k = 0; have && k < f->old_size; k++)
		if ((have[k] ^ want[k]) & mask[k])
			return "its bytes differ";
	return NULL;
}

/* Two static functions may share a name: one of them must fit. */
static int check_function(struct elf_file *ef, const struct patch_file *pf,
			  const struct suture_patch_func *f, const char *target)
{
	const char *name = patch_string(pf, f->old_name);
	const char *why = NULL;
	for (size_t i = 1; i < ef->nsyms; i++) {
		GElf_Sym sym;
		if (!elf_file_symbol(ef, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    sym.st_shndx == SHN_UNDEF || strcmp(elf_file_symbol_name(ef, &sym), name) != 0)
			continue;
		why = mismatch(ef, &sym, pf, f);
		if (!why)
			return 0;
	}
	if (!why)
		return err_set("'%s' has no function '%s', which the patch replaces: "
			       "is it the file the patch was made for?", target, name);
	return err_set("function '%s' of '%s' is not the one the patch replaces (%s): "
		       "the patch was made for another build", name, target, why);
}

int target_check(const struct patch_file *pf, const char *patch_path, const char *target,
		 uint8_t *id, size_t *id_len)
{
	if (pf->header->n_objects != 1)
		return err_set("patch '%s' has %u target objects; --target names one",
			       patch_path, pf->header->n_objects);
	struct elf_file *ef = elf_file_open(target);
	if (!ef)
		return -1;
	int rc = 0;
	*id_len = elf_file_build_id(ef, id, SUTURE_BUILD_ID_MAX);
	const struct suture_patch_object *obj = &pf->objects[0];
	if (*id_len == 0)
		rc = err_set("'%s' has no build-id, so no process running it can be told from "
			     "another build: link it with -Wl,--build-id", target);
	else if (obj->build_id_len && (obj->build_id_len != *id_len ||
				       memcmp(obj->build_id, id, *id_len) != 0))
		rc = err_set("patch '%s' is for another build than '%s' (build-ids differ)",
			     patch_path, target);
	for (uint32_t i = 0; rc == 0 && i < pf->header->n_funcs; i++)
		rc = check_function(ef, pf, &pf->funcs[i], target);
	elf_file_close(ef);
	return rc;
}
