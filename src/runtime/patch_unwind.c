/* Making the patch's code unwind (see patch_unwind.h). */
#include "runtime/patch_unwind.h"
#include "runtime/thread_call.h"
#include "runtime/symbols.h"
#include "common/error.h"
#include "common/util.h"

#include <dlfcn.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define LIBGCC "libgcc_s.so.1"

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

/* dlsym(HANDLE, NAME) in the target. */
static int remote_dlsym(struct proc *p, struct thread **t, const struct image *im, uint64_t dlsym_fn,
			uint64_t handle, const char *name, double timeout, uint64_t *out)
{
	char what[128];
	snprintf(what, sizeof what, "looking up %s in the process's %s", name, LIBGCC);
	struct thread_call c = { .fn = dlsym_fn, .args = { handle, THREAD_CALL_TEXT }, .text = name,
				 .what = what, .timeout = timeout, .objs = im->objs, .nobjs = im->nobjs };
	if (thread_call_run(p, t, &c) < 0)
		return -1;
	if (!c.result)
		return err_set("process %d's %s has no %s", p->pid, LIBGCC, name);
	*out = c.result;
	return 0;
}

/* The process's libgcc, loaded with dlopen if it has none yet (the handle
 * in im->libgcc_loaded, so that a refused apply can close it again). */
static int libgcc_of(struct proc *p, struct thread **t, struct image *im, double timeout,
		     struct libgcc *g)
{
	if (find_in(p, im, g))
		return 0;
	struct resolved open_fn, sym_fn;
	if (sym_global(p, im->objs, im->nobjs, "dlopen", &open_fn) != 1 ||
	    sym_global(p, im->objs, im->nobjs, "dlsym", &sym_fn) != 1)
		return err_set("process %d has neither %s nor dlopen() to load it: the patch's unwind "
			       "information cannot be registered", p->pid, LIBGCC);
	struct thread_call c = { .fn = open_fn.addr, .args = { THREAD_CALL_TEXT, RTLD_NOW },
				 .text = LIBGCC, .what = "loading " LIBGCC, .timeout = timeout,
				 .objs = im->objs, .nobjs = im->nobjs };
	if (thread_call_run(p, t, &c) < 0)
		return -1;
	if (!c.result)
		return err_set("process %d cannot load %s (install libgcc-s1): the patch's unwind information "
			       "cannot be registered", p->pid, LIBGCC);
	im->libgcc_loaded = c.result;
	return remote_dlsym(p, t, im, sym_fn.addr, c.result, "__register_frame", timeout, &g->register_frame) < 0 ||
	       remote_dlsym(p, t, im, sym_fn.addr, c.result, "__deregister_frame", timeout,
			    &g->deregister_frame) < 0 ? -1 : 0;
}

int patch_unwind_register(struct proc *p, struct thread **t, struct image *im, double timeout)
{
	if (!im->eh_frame_size)
		return 0;
	struct libgcc g;
	if (libgcc_of(p, t, im, timeout, &g) < 0)
		return err_prefix("patch '%s'", patch_string(im->pf, im->pf->header->name));
	struct thread_call c = { .fn = g.register_frame, .args = { im->base + im->eh_frame_off },
				 .what = "__register_frame", .timeout = timeout,
				 .objs = im->objs, .nobjs = im->nobjs };
	if (thread_call_run(p, t, &c) < 0)
		return -1;
	/* from now on, freeing the memory needs __deregister_frame first */
	return mem_write(p, im->base + HEADER_EH_REGISTERED, &g.deregister_frame, 8);
}

int patch_unwind_deregister(struct proc *p, struct thread **t, uint64_t mem, double timeout)
{
	uint32_t where[2];
	uint64_t deregister_frame, zero = 0;
	if (mem_read(p, mem + HEADER_EH_FRAME, where, sizeof where) < 0 ||
	    mem_read(p, mem + HEADER_EH_REGISTERED, &deregister_frame, 8) < 0)
		return -1;
	if (!deregister_frame || !where[1])
		return 0;
	struct thread_call c = { .fn = deregister_frame, .args = { mem + where[0] },
				 .what = "__deregister_frame", .timeout = timeout };
	if (thread_call_run(p, t, &c) < 0)
		return -1;
	return mem_write(p, mem + HEADER_EH_REGISTERED, &zero, 8);
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

void patch_unwind_unload(struct proc *p, struct thread **t, struct image *im, double timeout)
{
	struct resolved close_fn;
	if (!im->libgcc_loaded || sym_global(p, im->objs, im->nobjs, "dlclose", &close_fn) != 1)
		return;
	struct thread_call c = { .fn = close_fn.addr, .args = { im->libgcc_loaded }, .what = "dlclose",
				 .timeout = timeout, .objs = im->objs, .nobjs = im->nobjs };
	if (thread_call_run(p, t, &c) == 0)
		im->libgcc_loaded = 0;
}

void patch_unwind_report(struct unwinder *u, struct proc *p, const struct state *st)
{
	for (size_t i = 0; u && i < st->n; i++) {
		const struct state_patch *sp = &st->entries[i].patch;
		uint32_t where[2];
		if (sp->state == PS_REVERTED || !sp->mem ||
		    mem_read(p, sp->mem + HEADER_EH_FRAME, where, sizeof where) < 0 || !where[1] ||
		    where[0] + (uint64_t)where[1] > sp->mem_size)
			continue;   /* no table, or its memory is gone (replaced under stop) */
		uint8_t *bytes = xmalloc(where[1]);
		char name[160];
		snprintf(name, sizeof name, "suture-patch:%s", sp->name);
		int fd = mem_read(p, sp->mem + where[0], bytes, where[1]) == 0
			? cfi_image(name, sp->mem_size, where[0], bytes, where[1]) : -1;
		if (fd >= 0)
			unwinder_add_module(u, name, fd, sp->mem);   /* (the fd is consumed) */
		free(bytes);
	}
}
