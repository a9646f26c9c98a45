/* Registering patches with gdb (see gdb_jit.h). */
#include "runtime/gdb_jit.h"
#include "runtime/gdb_jit_lib.h"
#include "runtime/gdb_jit_symfile.h"
#include "runtime/inject.h"
#include "gdbjit/jit_abi.h"
#include "common/error.h"
#include "common/util.h"
#include "common/warning.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096
#define PAGE_ROUND(x) (((x) + PAGE - 1) / PAGE * PAGE)
#define STUB_BYTES 8   /* loader.c's STUB_SIZE */
#define ENTRY_MAGIC 0x314a4755545553ull   /* "SUTUGJ1" */

/* The head of each entry's mapping. */
struct entry_head {
	struct jit_code_entry entry;
	uint64_t patch_mem;     /* which patch it describes */
	uint64_t magic;
	uint64_t map_size;
	uint64_t path_off;      /* the library's path, then the two symbol names */
};

/* The loader's stub of symbol I (`jmp *GOT(%rip)`, for a call out of
 * rel32 reach), if it wrote one: named NAME@plt, as gdb users know them
 * (`call 0x... <nanosleep@plt>`).  NAMES keeps the string. */
static bool stub_function(const struct image *im, size_t i, const char *name, char **names, struct jit_func *f)
{
	uint64_t off = im->stubs_off + i * STUB_BYTES;
	if (off + 2 > im->code_size || im->bytes[off] != 0xff || im->bytes[off + 1] != 0x25)
		return false;
	names[i] = xasprintf("%s@plt", name);
	*f = (struct jit_func){ names[i], im->base + off, STUB_BYTES };
	return true;
}

/* Every function the patch defines, at its run-time address, and the
 * stubs of those it calls; *NAMES: the strings to free (nsyms of them). */
static struct jit_func *patch_functions(const struct image *im, size_t *n, char ***names)
{
	struct jit_func *f = xcalloc(2 * im->nsyms + 1, sizeof *f);
	*names = xcalloc(im->nsyms + 1, sizeof **names);
	*n = 0;
	for (size_t i = 1; i < im->nsyms; i++) {
		GElf_Sym sym;
		const char *name = patch_symbol_name(im->pf, (uint32_t)i);
		if (!*name || !elf_file_symbol(im->pf->ef, i, &sym))
			continue;
		if (stub_function(im, i, name, *names, &f[*n]))
			(*n)++;
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_shndx == SHN_UNDEF ||
		    sym.st_shndx >= SHN_LORESERVE)
			continue;
		uint64_t addr = image_symbol_addr(im, (uint32_t)i);
		if (addr)
			f[(*n)++] = (struct jit_func){ name, addr, sym.st_size };
	}
	return f;
}

static int build_symfile(const struct image *im, uint8_t **elf, size_t *len)
{
	size_t nfuncs;
	char **names;
	struct jit_func *funcs = patch_functions(im, &nfuncs, &names);
	uint64_t code_end = im->eh_frame_size ? im->eh_frame_off : im->code_size;
	struct jit_symfile sf = {
		.text_addr = im->base, .text_size = code_end,
		.eh_addr = im->base + im->eh_frame_off,
		.eh_bytes = im->eh_frame_size ? im->bytes + im->eh_frame_off : NULL,
		.eh_size = im->eh_frame_size,
		.funcs = funcs, .nfuncs = nfuncs,
	};
	int rc = jit_symfile_build(&sf, elf, len);
	for (size_t i = 0; i < im->nsyms; i++)
		free(names[i]);
	free(names);
	free(funcs);
	return rc;
}

/* The entry's mapping, complete but not linked: *AT. */
static int write_entry(struct proc *p, struct thread *t, uint64_t mem, const uint8_t *elf, size_t elf_len,
		       const char *strings, size_t strings_len, uint64_t *at)
{
	struct entry_head h = { .patch_mem = mem, .magic = ENTRY_MAGIC };
	h.path_off = sizeof h + elf_len;
	h.map_size = PAGE_ROUND(h.path_off + strings_len);
	if (remote_mmap(p, t, 0, h.map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, at) < 0)
		return -1;
	h.entry.symfile_addr = *at + sizeof h;
	h.entry.symfile_size = elf_len;
	if (mem_write(p, *at, &h, sizeof h) < 0 || mem_write(p, *at + sizeof h, elf, elf_len) < 0 ||
	    mem_write(p, *at + h.path_off, strings, strings_len) < 0) {
		remote_munmap(p, t, *at, h.map_size);
		return -1;
	}
	return 0;
}

/* Notes ACTION for ENTRY in the descriptor, as the protocol asks.  The
 * protocol then calls __jit_debug_register_code(), where an attached gdb
 * has its breakpoint; but no gdb can be attached while suture works
 * (ptrace has one tracer), and one that attaches later reads the list as
 * it is: so that call, a trip into the process, is not made. */
static int notify(struct proc *p, const struct jit_lib *lib, uint32_t action, uint64_t entry)
{
	if (mem_write(p, lib->descriptor + JIT_DESC_RELEVANT, &entry, 8) < 0 ||
	    mem_write(p, lib->descriptor + JIT_DESC_ACTION, &action, 4) < 0)
		return -1;
	return 0;
}

/* ENTRY first in the list.  Writing first_entry is what links it (the
 * last write: when it fails, ENTRY is not in the list); the old first's
 * back link before it only points at complete memory. */
static int link_entry(struct proc *p, const struct jit_lib *lib, uint64_t entry)
{
	uint64_t first;
	if (mem_read(p, lib->descriptor + JIT_DESC_FIRST, &first, 8) < 0 ||
	    mem_write(p, entry + JIT_ENTRY_NEXT, &first, 8) < 0 ||
	    (first && mem_write(p, first + JIT_ENTRY_PREV, &entry, 8) < 0))
		return -1;
	return mem_write(p, lib->descriptor + JIT_DESC_FIRST, &entry, 8);
}

static int try_register(struct proc *p, struct thread *t, const struct image *im, struct jit_lib *lib)
{
	char path[PATH_MAX];
	uint8_t *elf;
	size_t elf_len, strings_len;
	if (jit_lib_path(p->pid, path) < 0 || build_symfile(im, &elf, &elf_len) < 0)
		return -1;
	char *strings = jit_lib_strings(path, &strings_len);
	uint64_t at;
	int rc = write_entry(p, t, im->base, elf, elf_len, strings, strings_len, &at);
	free(elf);
	free(strings);
	if (rc < 0)
		return -1;
	uint64_t path_addr = at + sizeof(struct entry_head) + elf_len;
	if (jit_lib_load(p, t, im->objs, im->nobjs, path_addr, lib) == 0 && link_entry(p, lib, at) == 0) {
		/* linked: registered, whether a gdb heard of it or not */
		notify(p, lib, JIT_REGISTER_FN, at);
		return 0;
	}
	char *saved = xstrdup(err_msg());
	jit_lib_close(p, t, im->objs, im->nobjs, lib->opened);
	*lib = (struct jit_lib){ 0 };
	remote_munmap(p, t, at, PAGE_ROUND(path_addr - at + strings_len));
	err_set("%s", saved);
	free(saved);
	return -1;
}

void gdb_jit_register(struct proc *p, struct thread *t, const struct image *im, struct jit_lib *lib)
{
	*lib = (struct jit_lib){ 0 };
	if (try_register(p, t, im, lib) < 0)
		warn_add("gdb will not know the code of patch '%s' in process %d: %s",
			 patch_string(im->pf, im->pf->header->name), p->pid, err_msg());
	err_clear();
}

/* Where our entry for the patch memory MEM is in LIB's list, as walked
 * from the front (not by its back link: a suture killed while linking
 * may have left an entry's back link pointing at an entry never linked). */
struct found {
	uint64_t at;            /* the entry, 0: none */
	uint64_t pred;          /* the entry before it, 0: it is first */
	struct entry_head h;
};

static bool find_entry(struct proc *p, const struct jit_lib *lib, uint64_t mem, struct found *f)
{
	uint64_t at;
	f->pred = 0;
	if (mem_read(p, lib->descriptor + JIT_DESC_FIRST, &at, 8) < 0)
		return false;
	for (unsigned hops = 0; at && hops < 100000; hops++) {
		if (mem_read(p, at, &f->h, sizeof f->h) < 0)
			return false;
		if (f->h.magic == ENTRY_MAGIC && f->h.patch_mem == mem) {
			f->at = at;
			return true;
		}
		f->pred = at;
		at = f->h.entry.next_entry;
	}
	return false;
}

/* Out of the list: the link that reaches it from the front first. */
static int unlink_entry(struct proc *p, const struct jit_lib *lib, const struct found *f)
{
	uint64_t next = f->h.entry.next_entry;
	uint64_t from = f->pred ? f->pred + JIT_ENTRY_NEXT : lib->descriptor + JIT_DESC_FIRST;
	if (mem_write(p, from, &next, 8) < 0)
		return -1;
	return next ? mem_write(p, next + JIT_ENTRY_PREV, &f->pred, 8) : 0;
}

static int try_unregister(struct proc *p, struct thread *t, uint64_t mem)
{
	struct maps maps;
	struct object *objs = NULL;
	size_t nobjs = 0;
	if (maps_read(p->pid, &maps) < 0)
		return 0;   /* the process is gone, and its list with it */
	int rc = objects_read(p->pid, &maps, &objs, &nobjs);
	struct jit_lib lib;
	struct found f = { 0 };
	bool found = rc == 0 && jit_lib_find(objs, nobjs, &lib) == 1 && find_entry(p, &lib, mem, &f);
	if (found)
		rc = unlink_entry(p, &lib, &f);
	/* Unlinked, gdb forgets it.  The library (with the last entry) and
	 * the entry's page then go by calls T makes: where it cannot make
	 * them, they stay (a leak, never an entry gdb could reach). */
	if (found && rc == 0 && notify(p, &lib, JIT_UNREGISTER_FN, f.at) == 0) {
		uint64_t first = 0;
		/* the library goes with the last entry; the path is in this one */
		if (mem_read(p, lib.descriptor + JIT_DESC_FIRST, &first, 8) == 0 && !first)
			jit_lib_unload(p, t, objs, nobjs, f.at + f.h.path_off);
		remote_munmap(p, t, f.at, f.h.map_size);
	}
	objects_free(objs, nobjs);
	maps_free(&maps);
	return rc;
}

void gdb_jit_unregister(struct proc *p, struct thread *t, uint64_t mem)
{
	if (try_unregister(p, t, mem) < 0)
		warn_add("gdb may still list the code of a patch in process %d: %s", p->pid, err_msg());
	err_clear();
}
