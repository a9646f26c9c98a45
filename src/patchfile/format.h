/* The patch file format, version 1: the structures of the .suture.*
 * sections.  docs/patch-format.md is the contract; keep the two in step.
 * All integers are little-endian (the only byte order suture handles). */
#ifndef SUTURE_PATCHFILE_FORMAT_H
#define SUTURE_PATCHFILE_FORMAT_H

#include <stdint.h>

#define SUTURE_PATCH_MAGIC "SUTURE\0\0"
#define SUTURE_PATCH_VERSION 1

/* Section names. */
#define SUTURE_SEC_HEADER    ".suture.header"
#define SUTURE_SEC_OBJECTS   ".suture.objects"
#define SUTURE_SEC_FUNCS     ".suture.funcs"
#define SUTURE_SEC_SYMBOLS   ".suture.symbols"
#define SUTURE_SEC_CALLBACKS ".suture.callbacks"
#define SUTURE_SEC_OLDCODE   ".suture.oldcode"
#define SUTURE_SEC_STRINGS   ".suture.strings"

struct suture_patch_header {
	char     magic[8];      /* SUTURE_PATCH_MAGIC */
	uint32_t version;       /* SUTURE_PATCH_VERSION */
	uint32_t name;          /* the patch's name (revert NAME uses it) */
	uint32_t n_objects, n_funcs, n_symbols, n_callbacks;
};

#define SUTURE_BUILD_ID_MAX 64

struct suture_patch_object {
	uint32_t name;          /* file name the target maps it as */
	uint32_t build_id_len;  /* 0 = unknown (a patch from `suture diff -o`) */
	uint8_t  build_id[SUTURE_BUILD_ID_MAX];
};

/* suture_patch_func.flags */
enum {
	/* The old function is a part of another one (f.cold, split off by
	 * gcc): no thread may be in it during the transition, but it is
	 * never entered by a call, has no entry padding and is not
	 * redirected; its new version is reached from the new parent. */
	SUTURE_FUNC_PART = 1u << 0,
	/* The old function has the prefix room (docs/entry-padding.md):
	 * 16 bytes before it, redirected by replacing its first instruction
	 * (after endbr64), on which old_mask is 0x00.  Without it, the old
	 * function has the 5-byte NOP at its entry. */
	SUTURE_FUNC_OLD_ROOM = 1u << 1,
	/* The new function has its own 16-byte room before its symbol, in its
	 * section, and a first instruction of 2 bytes or more: a later patch
	 * may redirect it the same way (patches stack). */
	SUTURE_FUNC_NEW_ROOM = 1u << 2,
};
#define SUTURE_FUNC_KNOWN_FLAGS (SUTURE_FUNC_PART | SUTURE_FUNC_OLD_ROOM | SUTURE_FUNC_NEW_ROOM)

struct suture_patch_func {
	uint32_t object;        /* index into .suture.objects */
	uint32_t old_name;      /* the old function's symbol name in the target */
	uint32_t old_file;      /* static function: STT_FILE name of its unit; else 0 */
	uint32_t new_symbol;    /* .symtab index of the new function */
	uint64_t old_size;      /* st_size of the old function */
	uint32_t old_bytes;     /* offset into .suture.oldcode: old_size bytes */
	uint32_t old_mask;      /* offset into .suture.oldcode: old_size bytes,
	                           0xff = must match, 0x00 = may differ */
	uint32_t flags;         /* SUTURE_FUNC_* */
	uint32_t reserved;      /* 0 */
};

#define SUTURE_OBJECT_GLOBAL 0xffffffffu

struct suture_patch_symbol {
	uint32_t symbol;        /* .symtab index of the undefined symbol */
	uint32_t object;        /* index into .suture.objects, or SUTURE_OBJECT_GLOBAL */
	uint32_t name;          /* the name in the target ("count.3") */
	uint32_t file;          /* STT_FILE name for a local symbol, else 0 */
};

enum suture_callback_kind {
	SUTURE_CB_PRE_PATCH = 1,
	SUTURE_CB_POST_PATCH = 2,
	SUTURE_CB_PRE_UNPATCH = 3,
	SUTURE_CB_POST_UNPATCH = 4,
};

struct suture_patch_callback {
	uint32_t kind;          /* enum suture_callback_kind */
	uint32_t symbol;        /* .symtab index of the function: int fn(void) */
};

_Static_assert(sizeof(struct suture_patch_header) == 32, "header layout");
_Static_assert(sizeof(struct suture_patch_object) == 72, "object layout");
_Static_assert(sizeof(struct suture_patch_func) == 40, "func layout");
_Static_assert(sizeof(struct suture_patch_symbol) == 16, "symbol layout");
_Static_assert(sizeof(struct suture_patch_callback) == 8, "callback layout");

#endif
