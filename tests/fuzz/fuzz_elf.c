/* libFuzzer harness: the object and executable readers behind suture
 * audit (audit_file), diff (dobj_open), impact (impact_print_lists) and
 * the unit records they all read. */
#include "fuzz_input.h"
#include "diff/object.h"
#include "impact/audit.h"
#include "impact/impact.h"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file(data, size);
	struct audit_report report;
	audit_file(path, &report);
	audit_report_free(&report);
	dobj_close(dobj_open(path));
	static FILE *null;
	if (!null)
		null = fopen("/dev/null", "w");
	struct impact_request all = { 0 };
	impact_print_lists(&path, 1, &all, null);
	return 0;
}
