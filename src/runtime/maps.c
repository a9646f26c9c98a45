/* Reading /proc/PID/maps and finding the ELF objects it maps. */
#include "runtime/maps.h"
#include "runtime/proc.h"
#include "common/error.h"
#include "common/util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int maps_read(pid_t pid, struct maps *out)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return err_set("process %d exited; nothing was changed", pid);
	/* the kernel walks the mappings again at each read: few, large ones
	 * (stdio reads a /proc file 1 KiB at a time) */
	static char buf[65536];
	setvbuf(f, buf, _IOFBF, sizeof buf);
	memset(out, 0, sizeof *out);
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		struct map mp = {0};
		unsigned dev_major, dev_minor;
		int name_at = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %llu %n",
			   &mp.start, &mp.end, mp.perms, &mp.offset, &dev_major, &dev_minor,
			   &mp.inode, &name_at) < 7)
			continue;
		char *name = line + name_at;
		name[strcspn(name, "\n")] = '\0';
		mp.path = xstrdup(name);
		out->v = xrealloc(out->v, (out->n + 1) * sizeof *out->v);
		out->v[out->n++] = mp;
	}
	free(line);
	fclose(f);
	if (out->n == 0 && !pid_is_running(pid))
		return err_set("process %d exited; nothing to do", pid);   /* (a zombie maps nothing) */
	if (out->n == 0)
		return err_set("process %d maps no memory (a kernel thread); nothing to patch", pid);
	return 0;
}

void maps_free(struct maps *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	memset(m, 0, sizeof *m);
}

const struct map *maps_find(const struct maps *m, uint64_t addr)
{
	for (size_t i = 0; i < m->n; i++)
		if (addr >= m->v[i].start && addr < m->v[i].end)
			return &m->v[i];
	return NULL;
}

const struct map *maps_find_named(const struct maps *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++) {
		const char *p = m->v[i].path;
		const char *del = strstr(p, " (deleted)");
		size_t len = del ? (size_t)(del - p) : strlen(p);
		size_t nlen = strlen(name);
		if (len >= nlen && strncmp(p + len - nlen, name, nlen) == 0)
			return &m->v[i];
	}
	return NULL;
}

/* Opened ELF files, by inode and path, shared by every process of one run
 * (`--all` reads libc once, not once per process). */
struct elf_cache_entry {
	unsigned long long inode;
	char *path;
	struct elf_file *elf;
};
static struct elf_cache_entry *elf_cache;
static size_t elf_cache_n;

static struct elf_file *open_mapped_elf(pid_t pid, const struct map *mp)
{
	for (size_t i = 0; i < elf_cache_n; i++)
		if (elf_cache[i].inode == mp->inode && strcmp(elf_cache[i].path, mp->path) == 0)
			return elf_cache[i].elf;
	/* map_files reaches the very file that is mapped, even replaced or
	 * deleted; it needs CAP_SYS_ADMIN, so fall back to the path. */
	char path[128];
	snprintf(path, sizeof path, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, pid, mp->start, mp->end);
	struct elf_file *ef = elf_file_open(path);
	if (!ef) {
		char root_path[4200];
		snprintf(root_path, sizeof root_path, "/proc/%d/root%s", pid, mp->path);
		ef = elf_file_open(root_path);
	}
	if (!ef)
		return NULL;
	elf_cache = xrealloc(elf_cache, (elf_cache_n + 1) * sizeof *elf_cache);
	elf_cache[elf_cache_n++] = (struct elf_cache_entry){ mp->inode, xstrdup(mp->path), ef };
	return ef;
}

/* Lowest PT_LOAD address, page-aligned: what the offset-0 mapping shows. */
static uint64_t first_load_vaddr(struct elf_file *ef)
{
	size_t nph = 0;
	elf_getphdrnum(ef->elf, &nph);
	uint64_t lowest = UINT64_MAX;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(ef->elf, (int)i, &ph) && ph.p_type == PT_LOAD && ph.p_vaddr < lowest)
			lowest = ph.p_vaddr;
	}
	return lowest == UINT64_MAX ? 0 : lowest & ~(uint64_t)0xfff;
}

int objects_read(pid_t pid, const struct maps *m, struct object **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	char exe[4096] = "";
	char link[64];
	snprintf(link, sizeof link, "/proc/%d/exe", pid);
	ssize_t len = readlink(link, exe, sizeof exe - 1);
	exe[len > 0 ? len : 0] = '\0';

	for (size_t i = 0; i < m->n; i++) {
		const struct map *mp = &m->v[i];
		if (mp->offset != 0 || mp->inode == 0 || mp->path[0] != '/')
			continue;
		bool seen = false;
		for (size_t j = 0; j < *n; j++)
			if (strcmp((*out)[j].path, mp->path) == 0)
				seen = true;
		if (seen)
			continue;
		struct elf_file *ef = open_mapped_elf(pid, mp);
		if (!ef)
			continue;   /* not ELF (a locale archive, a data file) */
		struct object obj = {0};
		obj.path = xstrdup(mp->path);
		const char *slash = strrchr(obj.path, '/');
		obj.basename = xstrdup(slash ? slash + 1 : obj.path);
		char *del = strstr(obj.basename, " (deleted)");
		if (del)
			*del = '\0';
		obj.elf = ef;
		obj.base = mp->start - first_load_vaddr(ef);
		obj.lo = UINT64_MAX;
		for (size_t j = 0; j < m->n; j++)
			if (m->v[j].inode == mp->inode && strcmp(m->v[j].path, mp->path) == 0) {
				if (m->v[j].start < obj.lo)
					obj.lo = m->v[j].start;
				if (m->v[j].end > obj.hi)
					obj.hi = m->v[j].end;
			}
		obj.build_id_len = elf_file_build_id(ef, obj.build_id, sizeof obj.build_id);
		obj.is_exe = strcmp(mp->path, exe) == 0;
		*out = xrealloc(*out, (*n + 1) * sizeof **out);
		(*out)[(*n)++] = obj;
	}
	/* The executable first: it comes first in the dynamic linker's scope. */
	for (size_t j = 1; j < *n; j++)
		if ((*out)[j].is_exe) {
			struct object tmp = (*out)[j];
			memmove(&(*out)[1], &(*out)[0], j * sizeof **out);
			(*out)[0] = tmp;
		}
	return 0;
}

int objects_read_now(pid_t pid, struct object **out, size_t *n)
{
	struct maps m;
	*out = NULL;
	*n = 0;
	if (maps_read(pid, &m) < 0)
		return -1;
	int rc = objects_read(pid, &m, out, n);
	maps_free(&m);
	return rc;
}

void objects_free(struct object *objs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(objs[i].path);
		free(objs[i].basename);
	}
	free(objs);
}

#define REACH ((uint64_t)1 << 31)
#define MARGIN ((uint64_t)1 << 20)
#define LOWEST_ADDR ((uint64_t)1 << 16)
#define HIGHEST_ADDR ((uint64_t)0x7ffffffff000)

int maps_find_near(const struct maps *m, uint64_t lo, uint64_t hi, uint64_t size,
		   unsigned skip, uint64_t *addr)
{
	/* Every byte of [A, A+size) within REACH-MARGIN of every byte of [lo, hi). */
	uint64_t win_lo = hi > REACH - MARGIN ? hi - (REACH - MARGIN) : LOWEST_ADDR;
	uint64_t win_hi = lo + (REACH - MARGIN);
	if (win_lo < LOWEST_ADDR)
		win_lo = LOWEST_ADDR;
	if (win_hi > HIGHEST_ADDR)
		win_hi = HIGHEST_ADDR;
	uint64_t mid = lo / 2 + hi / 2;

	/* Candidates: the nearest end of each free gap (one guard page away). */
	uint64_t best[64];
	size_t nbest = 0;
	for (size_t i = 0; i <= m->n && nbest < 64; i++) {
		uint64_t gap_lo = i == 0 ? LOWEST_ADDR : m->v[i - 1].end + 0x1000;
		uint64_t gap_hi = i == m->n ? HIGHEST_ADDR : m->v[i].start - 0x1000;
		if (i < m->n && m->v[i].start < 0x1000)
			continue;
		if (gap_lo < win_lo)
			gap_lo = win_lo;
		if (gap_hi > win_hi)
			gap_hi = win_hi;
		gap_lo = (gap_lo + 0xfff) & ~(uint64_t)0xfff;
		if (gap_hi <= gap_lo || gap_hi - gap_lo < size)
			continue;
		best[nbest++] = gap_hi <= mid ? ((gap_hi - size) & ~(uint64_t)0xfff) : gap_lo;
	}
	/* Order by distance to the object, nearest first. */
	for (size_t i = 0; i < nbest; i++)
		for (size_t j = i + 1; j < nbest; j++) {
			uint64_t di = best[i] > mid ? best[i] - mid : mid - best[i];
			uint64_t dj = best[j] > mid ? best[j] - mid : mid - best[j];
			if (dj < di) {
				uint64_t t = best[i];
				best[i] = best[j];
				best[j] = t;
			}
		}
	if (skip >= nbest)
		return err_set("no free address range of %" PRIu64 " KiB within 2 GB of the target object "
			       "at 0x%" PRIx64 "; the patch's code cannot reach it", size / 1024, lo);
	*addr = best[skip];
	return 0;
}
