/* libFuzzer harness: the patch reader (src/patchfile/patchread.c).
 *
 * Most mutations would only meet the checksum, so the harness seals what
 * the fuzzer gives it (as a forger who can write the file could) and the
 * reader's every check behind the checksum is reached; every field of a
 * patch that opened is then read the way suture info does. */
#include "fuzz_input.h"
#include "common/util.h"
#include "patchfile/patchread.h"
#include "trust/trailer.h"

#include <stdlib.h>
#include <string.h>

static void use(const struct patch_file *pf)
{
	volatile size_t sink = 0;
	sink += strlen(patch_string(pf, pf->header->name));
	for (uint32_t i = 0; i < pf->header->n_funcs; i++) {
		sink += strlen(patch_string(pf, pf->funcs[i].old_name));
		sink += strlen(patch_symbol_name(pf, pf->funcs[i].new_symbol));
		sink += pf->oldcode[pf->funcs[i].old_bytes] + pf->funcs[i].old_size;
	}
	for (uint32_t i = 0; i < pf->header->n_symbols; i++)
		sink += strlen(patch_string(pf, pf->symbols[i].name));
	for (uint32_t i = 0; i < pf->header->n_callbacks; i++)
		sink += strlen(patch_callback_kind_name(pf->callbacks[i].kind));
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct suture_trailer t;
	uint8_t *sealed = xmalloc(size + sizeof t);
	memcpy(sealed, data, size);
	trailer_init(&t, data, size);
	memcpy(sealed + size, &t, sizeof t);
	struct patch_file *pf = patch_file_open(fuzz_file(sealed, size + sizeof t));
	free(sealed);
	if (pf)
		use(pf);
	patch_file_close(pf);
	return 0;
}
