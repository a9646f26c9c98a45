/* libFuzzer harness: the unit-record parser (src/cc/unit_record.c), fed
 * the contents of a .suture.units section directly. */
#include "cc/unit_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct unit_records recs = { 0 };
	if (unit_records_parse("fuzz", (const char *)data, size, &recs) == 0) {
		struct buf out = { 0 };
		for (size_t i = 0; i < recs.n_units; i++)
			unit_record_format(&recs.units[i], &out);
		buf_free(&out);
	}
	unit_records_free(&recs);
	return 0;
}
