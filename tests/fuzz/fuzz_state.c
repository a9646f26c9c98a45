/* libFuzzer harness: the reader of the record a process keeps of its
 * patches (state_reread() in src/runtime/state.c, owned by the `thread`
 * work), which a process could have scribbled on.  The fuzzer's bytes
 * stand for the process's memory: a file read with pread() as
 * /proc/PID/mem is, the record at offset STATE_BASE. */
#include "fuzz_input.h"
#include "runtime/state.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STATE_BASE 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *memory = calloc(1, STATE_BASE + size);
	memcpy(memory + STATE_BASE, data, size);
	const char *path = fuzz_file(memory, STATE_BASE + size);
	free(memory);
	struct proc p = { .pid = getpid(), .mem_fd = open(path, O_RDONLY | O_CLOEXEC) };
	struct state st = { .base = STATE_BASE, .size = size ? size : 1 };
	state_reread(&p, &st);
	state_free(&st);
	close(p.mem_fd);
	return 0;
}
