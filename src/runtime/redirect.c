/* Entry padding, slots and the gate (see redirect.h). */
#include "runtime/redirect.h"
#include "runtime/loader.h"
#include "runtime/universe.h"
#include "common/util.h"
#include "common/error.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t ENDBR64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
static const uint8_t NOP5[PAD_LEN] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
static const uint8_t NOP1X5[PAD_LEN] = { 0x90, 0x90, 0x90, 0x90, 0x90 };

int entry_padding(const uint8_t *code, size_t size)
{
	size_t off = size >= 4 && memcmp(code, ENDBR64, 4) == 0 ? 4 : 0;
	if (size < off + PAD_LEN)
		return -1;
	if (memcmp(code + off, NOP5, PAD_LEN) == 0 || memcmp(code + off, NOP1X5, PAD_LEN) == 0)
		return (int)off;
	return -1;
}

uint64_t skip_padding(uint64_t addr, const uint8_t *code, size_t size)
{
	int off = entry_padding(code, size);
	return off < 0 ? addr : addr + (uint64_t)off + PAD_LEN;
}

static void put_rel32(uint8_t *at, uint64_t from_end, uint64_t target)
{
	int32_t rel = (int32_t)(int64_t)(target - from_end);
	memcpy(at, &rel, 4);
}

void slot_encode(uint8_t *out, uint64_t slot, uint64_t gate, uint64_t from, uint64_t to)
{
	/* the rest of the slot holds the room form's stub (room.h) */
	memset(out, 0xcc, ROOM_STUB_OFF);
	out[0] = 0x80;                  /* 0: cmpb $1, gate(%rip) */
	out[1] = 0x3d;
	put_rel32(out + 2, slot + 7, gate);
	out[6] = 0x01;
	out[7] = 0x0f;                  /* 7: je to (gate 1: everyone new) */
	out[8] = 0x84;
	put_rel32(out + 9, slot + 13, to);
	out[13] = 0x0f;                 /* 13: jb from (gate 0: everyone old) */
	out[14] = 0x82;
	put_rel32(out + 15, slot + 19, from);
	out[19] = 0x64;                 /* 19: cmpb $0, %fs:UNIV_OFFSET (gate 2: by thread) */
	out[20] = 0x80;
	out[21] = 0x3c;
	out[22] = 0x25;
	uint32_t univ = UNIV_OFFSET;
	memcpy(out + 23, &univ, 4);
	out[27] = 0x00;
	out[28] = 0x0f;                 /* 28: je from */
	out[29] = 0x84;
	put_rel32(out + 30, slot + 34, from);
	out[34] = 0xe9;                 /* 34: jmp to */
	put_rel32(out + 35, slot + 39, to);
}

uint64_t redirect_original(const struct redirect *r)
{
	return r->room ? r->stub : r->pad + PAD_LEN;
}

/* The room form: the room's first bytes jump to TARGET and the entry's
 * first 2 bytes to the room (room first: the entry reaches it ready); or
 * both get their original bytes back (entry first: no thread is sent to a
 * room that is being emptied). */
static size_t room_writes(const struct redirect *r, uint64_t target, struct poke out[2])
{
	struct poke room = { .addr = r->room, .len = ROOM_JUMP }, entry = { .addr = r->pad, .len = 2 };
	if (target == r->stub) {
		memcpy(room.bytes, r->orig_room, ROOM_JUMP);
		memcpy(entry.bytes, r->orig_pad, 2);
		out[0] = entry;
		out[1] = room;
		return 2;
	}
	room.bytes[0] = 0xe9;
	put_rel32(room.bytes + 1, r->room + ROOM_JUMP, target);
	entry.bytes[0] = 0xeb;   /* jmp rel8: back to the room */
	entry.bytes[1] = (uint8_t)(int8_t)(int64_t)(r->room - (r->pad + 2));
	out[0] = room;
	out[1] = entry;
	return 2;
}

size_t padding_writes(const struct redirect *r, uint64_t target, struct poke out[2])
{
	if (r->room)
		return room_writes(r, target, out);
	out[0] = (struct poke){ .addr = r->pad, .len = PAD_LEN };
	if (target == r->pad + PAD_LEN) {
		memcpy(out[0].bytes, r->orig_pad, PAD_LEN);
	} else {
		out[0].bytes[0] = 0xe9;
		put_rel32(out[0].bytes + 1, r->pad + PAD_LEN, target);
	}
	return 1;
}

int padding_point(struct proc *p, const struct redirect *r, uint64_t target)
{
	struct poke w[2];
	size_t n = padding_writes(r, target, w);
	for (size_t i = 0; i < n; i++)
		if (mem_write(p, w[i].addr, w[i].bytes, w[i].len) < 0)
			return -1;
	return 0;
}

int gate_write(struct proc *p, uint64_t gate, uint8_t value)
{
	return mem_write(p, gate, &value, 1);
}

void fault_point(const char *where)
{
	const char *want = getenv("SUTURE_FAULT");
	if (want && strcmp(want, where) == 0)
		raise(SIGKILL);
}

int redirect_to_slots(struct proc *p, const struct redirect *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (padding_point(p, &r[i], r[i].slot) < 0)
			return -1;
		fault_point("phase1");   /* after the first padding is rewritten */
	}
	return 0;
}

int redirect_direct(struct proc *p, const struct redirect *r, size_t n, bool to_new)
{
	for (size_t i = 0; i < n; i++) {
		if (padding_point(p, &r[i], to_new ? r[i].to : r[i].from) < 0)
			return -1;
		fault_point("phase3");
	}
	return 0;
}

int redirect_switch(struct proc *p, const struct redirect *r, size_t n, uint64_t gate, uint8_t gate_to)
{
	if (redirect_to_slots(p, r, n) < 0 || gate_write(p, gate, gate_to) < 0)
		return -1;
	fault_point("gate");
	return redirect_direct(p, r, n, gate_to);
}

/* The writes of every padding of R pointed at the slots (TO_SLOTS) or
 * straight at the code of universe TO_NEW; *N of them. */
struct poke *redirect_writes(const struct redirect *r, size_t n, bool to_slots, bool to_new, size_t *nw)
{
	struct poke *w = xcalloc(2 * n + 1, sizeof *w);
	*nw = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t target = to_slots ? r[i].slot : to_new ? r[i].to : r[i].from;
		size_t k = padding_writes(&r[i], target, w + *nw);
		/* a room emptied (its int3 back) waits for
		 * redirect_empty_rooms; GCC's room is NOPs, harmless */
		if (r[i].room && target == r[i].stub && r[i].orig_room[0] == 0xcc)
			k--;
		*nw += k;
	}
	return w;
}

bool redirect_empties_rooms(const struct redirect *r, size_t n, bool to_new)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].room && r[i].orig_room[0] == 0xcc && (to_new ? r[i].to : r[i].from) == r[i].stub)
			return true;
	return false;
}

int redirect_empty_rooms(struct proc *p, const struct redirect *r, size_t n, bool to_new)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].room && r[i].orig_room[0] == 0xcc && (to_new ? r[i].to : r[i].from) == r[i].stub &&
		    mem_write(p, r[i].room, r[i].orig_room, ROOM_JUMP) < 0)
			return -1;
	return 0;
}
