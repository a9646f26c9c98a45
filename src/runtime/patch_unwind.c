/* Making the patch's code unwind (see patch_unwind.h). */
#include "runtime/patch_unwind.h"
#include "runtime/async_call.h"
#include "runtime/gdb_jit.h"
#include "runtime/inject.h"
#include "runtime/split.h"
#include "runtime/symbols.h"
#include "gdbjit/jit_abi.h"
#include "common/error.h"
#include "common/util.h"

#include <dlfcn.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define LIBGCC LIBGCC_SONAME
/* dlopen() reads the library from disk */
#define CALL_TIMEOUT 10.0

struct libgcc {
	uint64_t register_frame, deregister_frame;
};

static bool find_in(struct proc *p, const struct image *im, struct libgcc *g)
{
	struct resolved r1, r2;
	if (sym_global(p, im->objs, im->nobjs, "__register_frame", &r1) != 1 ||
	    sym_global(p, im->objs, im->nobjs, "__deregister_frame", &r2) != 1)
		return false;
	g->register_frame = r1.addr;
	g->deregister_frame = r2.addr;
	return true;
}

/* FN(A0, A1), made by the borrowed thread T itself, held only to send it
 * (async_call.h): a thread of their own would leave its stack in glibc's
 * cache (the maps of a refused apply would change).  The price: T must
 * not hold the lock they take (libgcc's, the dynamic linker's); see
 * docs/runtime.md, "Known limits". */
static int call(struct proc *p, struct thread *t, uint64_t fn, uint64_t a0, uint64_t a1, uint64_t *ret)
{
	uint64_t args[2] = { a0, a1 }, ignored;
	return async_call(p, t, fn, NULL, 0, args, CALL_TIMEOUT, ret ? ret : &ignored);
}

static int global(struct proc *p, const struct image *im, const char *name, uint64_t *addr)
{
	struct resolved r;
	if (sym_global(p, im->objs, im->nobjs, name, &r) != 1)
		return err_set("process %d has neither %s nor %s() to load it: the patch's unwind "
			       "information cannot be registered", p->pid, LIBGCC, name);
	*addr = r.addr;
	return 0;
}

/* The two functions in the LIBGCC the process has just loaded, read from
 * its file (two calls fewer than dlsym); false if not found so. */
static bool find_loaded(struct proc *p, struct libgcc *g)
{
	struct object *objs;
	size_t n;
	bool found = false;
	if (objects_read_now(p->pid, &objs, &n) == 0)
		for (size_t i = 0; i < n && !found; i++) {
			struct resolved r1, r2;
			found = strcmp(objs[i].basename, LIBGCC) == 0 &&
				sym_in_object(&objs[i], "__register_frame", NULL, &r1) == 1 &&
				sym_in_object(&objs[i], "__deregister_frame", NULL, &r2) == 1;
			if (found) {
				g->register_frame = r1.addr;
				g->deregister_frame = r2.addr;
			}
		}
	objects_free(objs, n);
	err_clear();
	return found;
}

/* dlopen(LIBGCC) and the two functions in it (dlsym() if its file does
 * not tell), the strings in scratch memory (async_call.h). */
static int load_libgcc(struct proc *p, struct thread *t, struct image *im, struct libgcc *g)
{
	static const char names[] = LIBGCC "\0__register_frame\0__deregister_frame";
	const uint64_t lib = 0, reg = sizeof LIBGCC, dereg = reg + sizeof "__register_frame";
	uint64_t open_fn = 0, sym_fn = 0, at, page, handle = 0;
	if (global(p, im, "dlopen", &open_fn) < 0 || global(p, im, "dlsym", &sym_fn) < 0 ||
	    scratch_put(p, t, names, sizeof names, &at, &page) < 0)
		return -1;
	int rc = call(p, t, open_fn, at + lib, RTLD_NOW, &handle);
	if (rc == 0 && !handle)
		rc = err_set("process %d cannot load %s (install libgcc-s1): the patch's unwind information "
			     "cannot be registered", p->pid, LIBGCC);
	if (rc == 0)
		im->libgcc_loaded = handle;
	if (rc == 0 && !find_loaded(p, g)) {
		rc = call(p, t, sym_fn, handle, at + reg, &g->register_frame);
		if (rc == 0)
			rc = call(p, t, sym_fn, handle, at + dereg, &g->deregister_frame);
	}
	if (rc == 0 && (!g->register_frame || !g->deregister_frame))
		rc = err_set("process %d's %s has no __register_frame", p->pid, LIBGCC);
	scratch_free(p, t, page);
	return rc;
}

/* The libgcc_s that the gdb JIT library LIB loaded as it was loaded
 * (gdbjit/jit_abi.h): false if it did not, or is an older one. */
static bool from_jit_lib(struct proc *p, const struct jit_lib *lib, struct image *im, struct libgcc *g)
{
	struct suture_libgcc there;
	if (!lib->libgcc || mem_read(p, lib->libgcc, &there, sizeof there) < 0 || !there.register_frame ||
	    !there.deregister_frame) {
		err_clear();
		return false;
	}
	g->register_frame = there.register_frame;
	g->deregister_frame = there.deregister_frame;
	/* loaded by this apply: a refused one closes it again */
	if (lib->opened)
		im->libgcc_loaded = there.loaded;
	return true;
}

int patch_unwind_register(struct proc *p, struct thread *t, struct image *im)
{
	struct jit_lib lib;
	gdb_jit_register(p, t, im, &lib);   /* a warning at worst */
	if (!im->eh_frame_size)
		return 0;
	struct libgcc g;
	if (!find_in(p, im, &g) && !from_jit_lib(p, &lib, im, &g) && load_libgcc(p, t, im, &g) < 0)
		return err_prefix("patch '%s'", patch_string(im->pf, im->pf->header->name));
	if (call(p, t, g.register_frame, im->base + im->eh_frame_off, 0, NULL) < 0)
		return -1;
	/* from now on, freeing the memory needs __deregister_frame first */
	return mem_write(p, im->base + HEADER_EH_REGISTERED, &g.deregister_frame, 8);
}

int patch_unwind_deregister(struct proc *p, struct thread *t, uint64_t mem)
{
	uint32_t where[2];
	uint64_t deregister_frame, zero = 0;
	gdb_jit_unregister(p, t, mem);   /* a warning at worst */
	if (mem_read(p, mem + HEADER_EH_FRAME, where, sizeof where) < 0 ||
	    mem_read(p, mem + HEADER_EH_REGISTERED, &deregister_frame, 8) < 0)
		return -1;
	if (!deregister_frame || !where[1])
		return 0;
	if (call(p, t, deregister_frame, mem + where[0], 0, NULL) < 0)
		return -1;
	return mem_write(p, mem + HEADER_EH_REGISTERED, &zero, 8);
}

void patch_unwind_unload(struct proc *p, struct thread *t, struct image *im)
{
	uint64_t close_fn = 0;
	if (im->libgcc_loaded && global(p, im, "dlclose", &close_fn) == 0 &&
	    call(p, t, close_fn, im->libgcc_loaded, 0, NULL) == 0)
		im->libgcc_loaded = 0;
}

/* An ELF file standing for the patch memory [0, SIZE) (loaded at the
 * patch's address as its bias), with one section: the .eh_frame at
 * offset EH_OFF, BYTES as they are in the process. */
static int cfi_image(const char *name, uint64_t size, uint64_t eh_off, uint8_t *bytes, size_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_WRITE, NULL) : NULL;
	if (!elf)
		goto fail;
	GElf_Ehdr eh;
	if (!gelf_newehdr(elf, ELFCLASS64) || !gelf_getehdr(elf, &eh))
		goto fail;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = ET_DYN;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	if (!gelf_update_ehdr(elf, &eh) || !gelf_newphdr(elf, 1) || !gelf_getehdr(elf, &eh))
		goto fail;
	Elf_Scn *strs = elf_newscn(elf), *eh_frame = elf_newscn(elf);
	static const char names[] = "\0.shstrtab\0.eh_frame";
	Elf_Data *d1 = elf_newdata(strs), *d2 = elf_newdata(eh_frame);
	if (!d1 || !d2)
		goto fail;
	d1->d_buf = (void *)names;
	d1->d_size = sizeof names;
	d2->d_buf = bytes;
	d2->d_size = len;
	d2->d_align = 8;
	GElf_Shdr sh = { .sh_name = 1, .sh_type = SHT_STRTAB, .sh_addralign = 1 };
	gelf_update_shdr(strs, &sh);
	sh = (GElf_Shdr){ .sh_name = 11, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC, .sh_addr = eh_off,
			  .sh_addralign = 8 };
	gelf_update_shdr(eh_frame, &sh);
	eh.e_shstrndx = (uint16_t)elf_ndxscn(strs);
	gelf_update_ehdr(elf, &eh);
	GElf_Phdr ph = { .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_vaddr = 0, .p_memsz = size,
			 .p_align = 4096 };
	gelf_update_phdr(elf, 0, &ph);
	if (elf_update(elf, ELF_C_WRITE) < 0)
		goto fail;
	elf_end(elf);
	return fd;
fail:
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Reports the copy of patch NAME at MEM (MEM_SIZE bytes) to U. */
static void report_copy(struct unwinder *u, struct proc *p, const char *name, uint64_t mem,
			uint64_t mem_size)
{
	uint32_t where[2];
	if (mem_read(p, mem + HEADER_EH_FRAME, where, sizeof where) < 0 || !where[1] ||
	    where[0] + (uint64_t)where[1] > mem_size)
		return;   /* no table */
	uint8_t *bytes = xmalloc(where[1]);
	int fd = mem_read(p, mem + where[0], bytes, where[1]) == 0
		? cfi_image(name, mem_size, where[0], bytes, where[1]) : -1;
	if (fd >= 0)
		unwinder_add_module(u, name, fd, mem);   /* (the fd is consumed) */
	free(bytes);
}

void patch_unwind_report(struct unwinder *u, struct proc *p, const struct state *st)
{
	for (size_t i = 0; u && i < st->n; i++) {
		const struct state_patch *sp = &st->entries[i].patch;
		if (sp->state == PS_REVERTED || !sp->mem)
			continue;   /* its memory is gone (replaced under stop) */
		char name[160];
		snprintf(name, sizeof name, "suture-patch:%s", sp->name);
		report_copy(u, p, name, sp->mem, sp->mem_size);
		struct split_copy copy1;
		if (split_other_copy(p, sp->mem, &copy1) == 0 && copy1.mem) {
			snprintf(name, sizeof name, "suture-patch:%s:1", sp->name);
			report_copy(u, p, name, copy1.mem, copy1.size);
		}
	}
}
