/* What the fuzz harnesses share: the fuzzer's bytes as a file, because
 * suture's readers take paths (and read them through common/input.c). */
#ifndef SUTURE_FUZZ_INPUT_H
#define SUTURE_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

/* Writes SIZE bytes of DATA to this harness's private file; returns its
 * path (the same one every call). */
const char *fuzz_file(const uint8_t *data, size_t size);

#endif
