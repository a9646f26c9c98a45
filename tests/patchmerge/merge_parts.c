/* Test driver for patch_merge() (src/patchfile/patchmerge.h), which no
 * command exposes yet (suture build will):
 *     merge_parts OUT NAME OBJECT BUILD-ID-HEX PART... */
#include "common/error.h"
#include "patchfile/patchmerge.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: merge_parts OUT NAME OBJECT BUILD-ID-HEX PART...\n");
		return 2;
	}
	uint8_t id[64];
	size_t len = strlen(argv[4]) / 2;
	for (size_t i = 0; i < len && i < sizeof id; i++)
		sscanf(argv[4] + 2 * i, "%2hhx", &id[i]);
	if (patch_merge((const char *const *)argv + 5, (size_t)argc - 5, argv[2], argv[3],
			id, len, argv[1]) < 0) {
		fprintf(stderr, "merge_parts: %s\n", err_msg());
		return 1;
	}
	return 0;
}
