/* Creating the record in a process that has none (see state.h): a memfd
 * of STATE_SIZE bytes, mapped, its descriptor closed.
 *
 * Four system calls.  Made one by one, each is a trip into the process
 * and back (in a virtual machine about 0.2 ms); so the thread runs them
 * as one piece of code (inject.h, remote_piece) when it can, and one by
 * one only when it cannot make calls on its own. */
#include "runtime/state.h"
#include "runtime/async_call.h"
#include "runtime/inject.h"
#include "runtime/redirect.h"
#include "runtime/universe.h"
#include "common/error.h"

#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#define PIECE_TIMEOUT 5.0

_Static_assert(SYS_memfd_create == 319 && SYS_ftruncate == 77 && SYS_mmap == 9 && SYS_close == 3,
	       "the x86-64 numbers the piece is written with");

/*     push %rbx
 *     memfd_create(name, MFD_CLOEXEC); on error -> out
 *     mov %rax,%rbx                                   (the descriptor)
 *     ftruncate(fd, STATE_SIZE); on error -> close
 *     mmap(0, STATE_SIZE, PROT_READ|PROT_WRITE, MAP_PRIVATE, fd, 0)
 * close: push %rax; close(fd); pop %rax
 * out: pop %rbx; ret
 * name: STATE_NAME
 * It returns the record's address, or the -errno of the call that failed. */
static size_t write_piece(uint8_t *code)
{
	static const uint8_t head[] = {
		0x53,                                   /* push %rbx */
		0xb8, 0x3f, 0x01, 0x00, 0x00,           /* mov $SYS_memfd_create,%eax */
		0x48, 0x8d, 0x3d, 0, 0, 0, 0,           /* lea name(%rip),%rdi */
		0xbe, 0x01, 0x00, 0x00, 0x00,           /* mov $MFD_CLOEXEC,%esi */
		0x0f, 0x05,                             /* syscall */
		0x48, 0x85, 0xc0, 0x78, 0,              /* test %rax,%rax; js out */
		0x48, 0x89, 0xc3,                       /* mov %rax,%rbx */
		0xb8, 0x4d, 0x00, 0x00, 0x00,           /* mov $SYS_ftruncate,%eax */
		0x48, 0x89, 0xdf,                       /* mov %rbx,%rdi */
		0x48, 0xbe, 0, 0, 0, 0, 0, 0, 0, 0,     /* movabs $STATE_SIZE,%rsi */
		0x0f, 0x05,                             /* syscall */
		0x48, 0x85, 0xc0, 0x78, 0,              /* test %rax,%rax; js close */
		0xb8, 0x09, 0x00, 0x00, 0x00,           /* mov $SYS_mmap,%eax */
		0x31, 0xff,                             /* xor %edi,%edi */
		0x48, 0xbe, 0, 0, 0, 0, 0, 0, 0, 0,     /* movabs $STATE_SIZE,%rsi */
		0xba, PROT_READ | PROT_WRITE, 0, 0, 0,  /* mov $prot,%edx */
		0x41, 0xba, MAP_PRIVATE, 0, 0, 0,       /* mov $MAP_PRIVATE,%r10d */
		0x49, 0x89, 0xd8,                       /* mov %rbx,%r8 */
		0x45, 0x31, 0xc9,                       /* xor %r9d,%r9d */
		0x0f, 0x05,                             /* syscall */
	};
	static const uint8_t tail[] = {
		0x50,                                   /* close: push %rax */
		0xb8, 0x03, 0x00, 0x00, 0x00,           /* mov $SYS_close,%eax */
		0x48, 0x89, 0xdf,                       /* mov %rbx,%rdi */
		0x0f, 0x05,                             /* syscall */
		0x58,                                   /* pop %rax */
		0x5b,                                   /* out: pop %rbx */
		0xc3,                                   /* ret */
	};
	/* where the blanks are, counted from the start */
	_Static_assert(sizeof head == 89 && sizeof tail == 14, "the offsets below count these bytes");
	const size_t lea_disp = 9, js_out = 24, size1 = 38, js_close = 52, size2 = 62;
	const size_t close_at = sizeof head, out_at = close_at + 12, name_at = sizeof head + sizeof tail;
	const uint64_t size = STATE_SIZE;
	memcpy(code, head, sizeof head);
	memcpy(code + sizeof head, tail, sizeof tail);
	memcpy(code + name_at, STATE_NAME, sizeof STATE_NAME);
	int32_t to_name = (int32_t)(name_at - (lea_disp + 4));
	memcpy(code + lea_disp, &to_name, 4);
	code[js_out] = (uint8_t)(out_at - (js_out + 1));
	code[js_close] = (uint8_t)(close_at - (js_close + 1));
	memcpy(code + size1, &size, 8);
	memcpy(code + size2, &size, 8);
	return name_at + sizeof STATE_NAME;
}

static int failed(struct proc *p, const char *what, long err)
{
	return err_set("cannot create suture's state in process %d: %s failed (%s)", p->pid, what,
		       strerror((int)-err));
}

static bool is_error(long ret)
{
	return ret < 0 && ret > -4096;
}

static int syscall_checked(struct proc *p, struct thread *t, long nr, const long args[6], const char *what,
			   long *ret)
{
	if (remote_syscall(p, t, nr, args, ret) < 0)
		return -1;
	return is_error(*ret) ? failed(p, what, *ret) : 0;
}

/* The four calls one by one: *ADDR the record's address. */
static int map_by_calls(struct proc *p, struct thread *t, long *addr)
{
	/* memfd_create needs its name in the target's memory */
	uint64_t scratch, page;
	if (scratch_put(p, t, STATE_NAME, sizeof STATE_NAME, &scratch, &page) < 0)
		return -1;
	long fd = -1, r;
	long create[6] = { (long)scratch, MFD_CLOEXEC };
	int rc = syscall_checked(p, t, SYS_memfd_create, create, "memfd_create", &fd);
	long size[6] = { fd, STATE_SIZE };
	if (rc == 0)
		rc = syscall_checked(p, t, SYS_ftruncate, size, "ftruncate", &r);
	long map[6] = { 0, STATE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0 };
	if (rc == 0)
		rc = syscall_checked(p, t, SYS_mmap, map, "mmap", addr);
	long args[6] = { fd };
	if (fd >= 0)
		remote_syscall(p, t, SYS_close, args, &r);
	scratch_free(p, t, page);
	return rc;
}

/* The record mapped in the process: *ADDR. */
static int map_record(struct proc *p, struct thread *t, long *addr)
{
	uint8_t code[160];
	size_t len = write_piece(code);
	uint64_t ret;
	int rc = remote_piece(p, t, code, len, PIECE_TIMEOUT, &ret);
	if (rc == 1)
		return map_by_calls(p, t, addr);
	if (rc < 0)
		return -1;
	*addr = (long)ret;
	return is_error(*addr) ? failed(p, "mapping its record", *addr) : 0;
}

int state_create(struct proc *p, struct thread *t, struct state *st)
{
	/* a blank one is the work of a suture killed right here: used, not
	 * left beside a second one that state_read might not find first */
	long addr = (long)st->base;
	if (!addr && map_record(p, t, &addr) < 0)
		return -1;
	fault_point("record");   /* mapped, nothing written in it yet */
	state_free(st);
	st->base = (uint64_t)addr;
	st->size = STATE_SIZE;
	st->image.next_seq = 1;
	/* the image first (in half 1, so the first commit goes to half 0),
	 * then the header that makes it current */
	st->header.active = 1;
	if (state_commit(p, st) < 0)
		return -1;
	memcpy(st->header.magic, STATE_MAGIC, 8);
	st->header.version = STATE_VERSION;
	st->header.univ_offset = UNIV_OFFSET;
	return mem_write(p, st->base, &st->header, sizeof st->header);
}
