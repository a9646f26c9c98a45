/* Running a patch's callbacks in the target (see callbacks.h). */
#include "runtime/callbacks.h"
#include "runtime/thread_call.h"
#include "common/error.h"

#include <stdint.h>
#include <stdio.h>

int callbacks_run(struct image *im, struct proc *p, struct thread **t, uint32_t kind, double timeout)
{
	const struct patch_file *pf = im->pf;
	const char *patch = patch_string(pf, pf->header->name);
	for (uint32_t i = 0; i < pf->header->n_callbacks; i++) {
		if (pf->callbacks[i].kind != kind)
			continue;
		const char *name = patch_symbol_name(pf, pf->callbacks[i].symbol);
		char what[512];
		snprintf(what, sizeof what, "the %s callback '%s' of patch '%s'",
			 patch_callback_kind_name(kind), name, patch);
		struct thread_call c = {
			.fn = image_symbol_addr(im, pf->callbacks[i].symbol), .what = what,
			.timeout = timeout, .objs = im->objs, .nobjs = im->nobjs,
		};
		if (!c.fn)
			return err_set("patch '%s': callback '%s' is not in the patch's code", patch, name);
		int rc = thread_call_run(p, t, &c);
		if (c.still_running)
			im->pinned = true;
		if (rc < 0)
			return -1;
		if (kind == SUTURE_CB_PRE_PATCH && (int32_t)c.result != 0)
			return err_set("the pre-patch callback '%s' of patch '%s' returned %d in process %d: "
				       "the patch refuses this process; nothing was changed", name, patch,
				       (int32_t)c.result, p->pid);
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

int callback_run_addr(struct proc *p, struct thread **t, uint64_t addr, const char *patch,
		      const char *kind, double timeout, bool *still_running)
{
	*still_running = false;
	if (!addr)
		return 0;
	char what[256];
	snprintf(what, sizeof what, "the %s callback of patch '%s'", kind, patch);
	struct thread_call c = { .fn = addr, .what = what, .timeout = timeout };
	int rc = thread_call_run(p, t, &c);
	*still_running = c.still_running;
	return rc;
}
