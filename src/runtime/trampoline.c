/* The self-restoring trampoline (see trampoline.h). */
#include "runtime/trampoline.h"
#include "runtime/maps.h"
#include "common/error.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#define SAVE_OFF 128            /* after the code: 17 quads, rax..r15 by number, then rip */
#define SAVE_RIP 16
_Static_assert(SAVE_OFF + 8 * (SAVE_RIP + 1) <= TRAMP_SIZE, "the save area fits the trampoline");
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516

/* mov disp32(%rip), REG (REG numbered as in the instruction set:
 * rax 0, rcx 1, rdx 2, rbx 3, rsp 4, rbp 5, rsi 6, rdi 7, r8..r15). */
static size_t emit_load(uint8_t *code, size_t at, int reg, size_t target)
{
	code[at] = 0x48 | (reg >= 8 ? 0x04 : 0);
	code[at + 1] = 0x8b;
	code[at + 2] = 0x05 | (uint8_t)((reg & 7) << 3);
	int32_t disp = (int32_t)(target - (at + 7));
	memcpy(code + at + 3, &disp, 4);
	return at + 7;
}

size_t tramp_emit_restore(uint8_t *code, size_t at, size_t save, size_t left)
{
	for (int reg = 0; reg < 16; reg++)
		if (reg != 4)
			at = emit_load(code, at, reg, save + 8 * (size_t)reg);
	at = emit_load(code, at, 4, save + 8 * 4);   /* rsp last */
	if (left) {
		/* movl $1, LEFT(%rip): needs no register */
		const uint32_t one = 1;
		code[at] = 0xc7;
		code[at + 1] = 0x05;
		int32_t disp = (int32_t)(left - (at + 10));
		memcpy(code + at + 2, &disp, 4);
		memcpy(code + at + 6, &one, 4);
		at += 10;
	}
	code[at] = 0xff;                          /* jmp *SAVE_RIP(%rip) */
	code[at + 1] = 0x25;
	int32_t disp = (int32_t)(save + 8 * SAVE_RIP - (at + 6));
	memcpy(code + at + 2, &disp, 4);
	return at + 6;
}

static void build_code(uint8_t *code)
{
	memset(code, 0xcc, SAVE_OFF);
	memset(code + SAVE_OFF, 0, TRAMP_SIZE - SAVE_OFF);
	size_t at = 0;
	code[at++] = 0x48;                        /* mov %rax, %rdi */
	code[at++] = 0x89;
	code[at++] = 0xc7;
	code[at++] = 0xb8;                        /* mov $SYS_getpid, %eax */
	uint32_t nr = SYS_getpid;
	memcpy(code + at, &nr, 4);
	at += 4;
	code[at++] = 0x0f;                        /* syscall */
	code[at++] = 0x05;
	at = tramp_emit_restore(code, at, SAVE_OFF, 0);
	assert(at <= SAVE_OFF);
}

/* The unused tail of an executable PT_LOAD of an object: its last page is
 * mapped whole, but nothing lies past p_filesz. */
static uint64_t find_room(struct proc *p)
{
	struct maps m;
	struct object *objs;
	size_t n;
	uint64_t found = 0;
	if (maps_read(p->pid, &m) < 0)
		return 0;
	if (objects_read(p->pid, &m, &objs, &n) < 0) {
		maps_free(&m);
		return 0;
	}
	for (size_t i = 0; i < n && !found; i++) {
		size_t nph = 0;
		elf_getphdrnum(objs[i].elf->elf, &nph);
		for (size_t k = 0; k < nph && !found; k++) {
			GElf_Phdr ph;
			if (!gelf_getphdr(objs[i].elf->elf, (int)k, &ph) || ph.p_type != PT_LOAD ||
			    !(ph.p_flags & PF_X) || ph.p_filesz != ph.p_memsz)
				continue;
			uint64_t end = objs[i].base + ph.p_vaddr + ph.p_filesz;
			uint64_t page_end = (end + 0xfff) & ~(uint64_t)0xfff;
			uint64_t start = (page_end - TRAMP_SIZE) & ~(uint64_t)0xf;
			const struct map *mp = maps_find(&m, start);
			if (start < end || !mp || mp->perms[2] != 'x' || page_end > mp->end)
				continue;
			/* zeroes, or the trampoline a killed suture left behind */
			uint8_t bytes[TRAMP_SIZE], code[TRAMP_SIZE];
			static const uint8_t zero[TRAMP_SIZE];
			build_code(code);
			if (mem_read(p, start, bytes, TRAMP_SIZE) == 0 &&
			    (memcmp(bytes, zero, TRAMP_SIZE) == 0 || memcmp(bytes, code, SAVE_OFF) == 0))
				found = start;
		}
	}
	objects_free(objs, n);
	maps_free(&m);
	return found;
}

int tramp_install(struct proc *p)
{
	if (p->tramp || p->tramp_absent || p->tramp_kept)
		return 0;
	/* looked for once: it reads every object's file */
	if (!p->tramp_room)
		p->tramp_room = find_room(p);
	uint64_t at = p->tramp_room;
	if (!at) {
		p->tramp_absent = true;
		return 0;
	}
	uint8_t code[TRAMP_SIZE];
	build_code(code);
	if (mem_write(p, at, code, TRAMP_SIZE) < 0)
		return -1;
	p->tramp = at;
	return 0;
}

int tramp_save(struct proc *p, const struct user_regs_struct *r)
{
	uint64_t save[17];
	tramp_values(r, save);
	return mem_write(p, p->tramp + SAVE_OFF, save, sizeof save);
}

void tramp_values(const struct user_regs_struct *r, uint64_t out[17])
{
	uint64_t save[17] = {
		r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi,
		r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15, r->rip,
	};
	/* a system call the thread was interrupted in is entered again, as
	 * the kernel would have done had no signal been delivered */
	if ((long)r->orig_rax >= 0) {
		long err = -(long)r->rax;
		if (err == ERESTARTSYS || err == ERESTARTNOINTR || err == ERESTARTNOHAND) {
			save[0] = r->orig_rax;
			save[SAVE_RIP] -= 2;
		} else if (err == ERESTART_RESTARTBLOCK) {
			save[0] = SYS_restart_syscall;
			save[SAVE_RIP] -= 2;
		}
	}
	memcpy(out, save, sizeof save);
}

void tramp_keep(struct proc *p)
{
	p->tramp_kept = p->tramp != 0;
	p->tramp = 0;
}

void tramp_remove(struct proc *p)
{
	static const uint8_t zero[TRAMP_SIZE];
	if (p->tramp)
		mem_write(p, p->tramp, zero, TRAMP_SIZE);
	p->tramp = 0;
}
