/* What a process maps (/proc/PID/maps), and the ELF objects among them.
 *
 * A target object is found by its build-id, read from the mapped file
 * itself through /proc/PID/map_files/, so an object whose file on disk was
 * replaced or deleted since it was loaded is still found and read. */
#ifndef SUTURE_RUNTIME_MAPS_H
#define SUTURE_RUNTIME_MAPS_H

#include "elf/elffile.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct map {
	uint64_t start, end, offset;
	char perms[5];
	unsigned long long inode;
	char *path;             /* "" for anonymous memory */
};

struct maps {
	struct map *v;
	size_t n;
};

/* An ELF object mapped by the process. */
struct object {
	char *path;             /* as /proc/PID/maps names it */
	char *basename;
	uint64_t base;          /* load bias: run-time address = st_value + base */
	uint64_t lo, hi;        /* extent of all its mappings */
	uint8_t build_id[64];
	size_t build_id_len;
	struct elf_file *elf;   /* shared cache entry: do not close */
	bool is_exe;
};

int maps_read(pid_t pid, struct maps *out);
void maps_free(struct maps *m);
/* The mapping holding ADDR, or NULL. */
const struct map *maps_find(const struct maps *m, uint64_t addr);
/* The first mapping whose path ends in NAME ("/memfd:suture-state"). */
const struct map *maps_find_named(const struct maps *m, const char *name);

/* The ELF objects of the process, in the order of /proc/PID/maps
 * (the executable first); *out is an array of *n. */
int objects_read(pid_t pid, const struct maps *m, struct object **out, size_t *n);
/* The same for PID's maps as they are now. */
int objects_read_now(pid_t pid, struct object **out, size_t *n);
void objects_free(struct object *objs, size_t n);

/* A free, page-aligned range of SIZE bytes whose every byte lies within
 * ±2 GB of every byte of [lo, hi), so rel32 reaches both ways.
 * SKIP lets the caller ask for the next candidate after one failed. */
int maps_find_near(const struct maps *m, uint64_t lo, uint64_t hi, uint64_t size,
		   unsigned skip, uint64_t *addr);

#endif
