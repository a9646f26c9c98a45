#include "impact/impact.h"
#include "common/error.h"

int impact_print_lists(const char *const *files, size_t n_files,
		       const struct impact_request *req, FILE *out)
{
	return err_set("impacted lists are not available in this version yet");
}
