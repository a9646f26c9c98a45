/* Which build a process runs: does it map an ELF object with a given GNU
 * build-id?  Read from /proc/PID/maps and the mapped files themselves
 * (maps.h), without stopping or tracing anything: for choosing the
 * processes of `--all` and `--target` before any of them is touched. */
#ifndef SUTURE_RUNTIME_TARGET_H
#define SUTURE_RUNTIME_TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct build_id {
	uint8_t id[64];
	size_t len;
};

/* 1 when PID maps an object whose build-id is one of IDS, 0 when not,
 * -1 (error set) when its maps cannot be read (gone, no permission). */
int runtime_maps_build_id(pid_t pid, const struct build_id *ids, size_t nids);

/* The build-id of the ELF file PATH; -1 (error set) when it is no ELF
 * file or has no build-id. */
int build_id_of_file(const char *path, struct build_id *out);

#endif
