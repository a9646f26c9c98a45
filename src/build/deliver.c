/* Delivering a patch: see deliver.h. */
#include "build/deliver.h"
#include "common/error.h"
#include "common/util.h"
#include "trust/output.h"
#include "trust/sign.h"

#include <stdlib.h>

int deliver_patch(const char *made, const char *sign_key, int outdir_fd, const char *out_name)
{
	if (sign_key && sign_patch_file(made, sign_key) < 0)
		return err_prefix("signing the patch");
	size_t len;
	char *bytes = read_whole_file(made, &len);
	if (!bytes)
		return err_set_errno("cannot read the patch made in %s", made);
	/* the real directory of the output, reached past the overlay */
	char *out = xasprintf("/proc/self/fd/%d/%s", outdir_fd, out_name);
	int ret = output_write_file(out, bytes, len);
	free(out);
	free(bytes);
	return ret;
}
