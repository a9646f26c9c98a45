/* Running a patch's callbacks in the target (see callbacks.h). */
#include "runtime/callbacks.h"
#include "runtime/inject.h"
#include "common/error.h"

#include <stdint.h>

int callbacks_run(struct image *im, struct proc *p, struct thread *t, uint32_t kind)
{
	const struct patch_file *pf = im->pf;
	const char *patch = patch_string(pf, pf->header->name);
	for (uint32_t i = 0; i < pf->header->n_callbacks; i++) {
		if (pf->callbacks[i].kind != kind)
			continue;
		const char *name = patch_symbol_name(pf, pf->callbacks[i].symbol);
		uint64_t addr = image_symbol_addr(im, pf->callbacks[i].symbol);
		uint64_t ret;
		if (!addr)
			return err_set("patch '%s': callback '%s' is not in the patch's code", patch, name);
		if (remote_call(p, t, addr, &ret) < 0)
			return err_prefix("patch '%s': %s callback '%s'", patch,
					  patch_callback_kind_name(kind), name);
		if (kind == SUTURE_CB_PRE_PATCH && (int32_t)ret != 0)
			return err_set("the pre-patch callback '%s' of patch '%s' returned %d in process %d: "
				       "the patch refuses this process; nothing was changed", name, patch,
				       (int32_t)ret, p->pid);
	}
	return 0;
}

uint64_t callback_addr(const struct image *im, uint32_t kind)
{
	const struct patch_file *pf = im->pf;
	for (uint32_t i = 0; i < pf->header->n_callbacks; i++)
		if (pf->callbacks[i].kind == kind)
			return image_symbol_addr(im, pf->callbacks[i].symbol);
	return 0;
}

int callback_run_addr(struct proc *p, uint64_t addr, const char *patch, const char *what)
{
	if (!addr)
		return 0;
	struct thread *t;
	uint64_t ret;
	if (proc_seize_one(p, &t) < 0)
		return -1;
	int rc = remote_call(p, t, addr, &ret);
	proc_finish(p);
	if (rc < 0)
		return err_prefix("patch '%s': %s callback", patch, what);
	return 0;
}
