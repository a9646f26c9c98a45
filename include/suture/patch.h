/* <suture/patch.h>: what the source of a patch may use, beyond new
 * function bodies.  Usage: man suture-patch.h(3); the records these macros
 * leave in the compiled object and what `suture build` / `suture diff`
 * make of them: docs/patch-format.md, "Patch sources".
 *
 *   Callbacks, run inside the target process by a thread suture borrows
 *   (the kernel's klp_callbacks):
 *       static int  setup(void)    { ... return 0; }   SUTURE_PRE_PATCH(setup);
 *       static void started(void)  { ... }             SUTURE_POST_PATCH(started);
 *       static void stopping(void) { ... }             SUTURE_PRE_UNPATCH(stopping);
 *       static void stopped(void)  { ... }             SUTURE_POST_UNPATCH(stopped);
 *   A pre-patch callback that returns non-zero refuses the patch for that
 *   process (nothing is changed).
 *
 *   The target's private (static) symbols, named with their source file
 *   (what klp-convert does for the kernel):
 *       extern int counter SUTURE_STATIC("server.c", counter);
 *       extern int count   SUTURE_STATIC_AS("server.c", "count.3");
 *
 *   Shadow variables: new fields attached to existing objects, shared by
 *   every patch of the process (<suture/shadow.h>, the kernel's klp_shadow).
 */
#ifndef SUTURE_PATCH_H
#define SUTURE_PATCH_H

/* ---- callbacks ---------------------------------------------------------- */

/* The kinds, as in the patch format's .suture.callbacks records. */
#define SUTURE_CALLBACK_PRE_PATCH    1
#define SUTURE_CALLBACK_POST_PATCH   2
#define SUTURE_CALLBACK_PRE_UNPATCH  3
#define SUTURE_CALLBACK_POST_UNPATCH 4

/* One declaration in the compiled object's .suture.decl.callbacks section:
 * 16 bytes, `fn` filled by an R_X86_64_64 relocation against the callback
 * function.  `suture build` and `suture diff -o` turn these into the
 * patch's .suture.callbacks records; the section never reaches a patch. */
struct suture_callback_decl {
	unsigned int kind;              /* SUTURE_CALLBACK_* */
	unsigned int reserved;          /* 0 */
	void (*fn)(void);
};

#define SUTURE_CALLBACK_SECTION ".suture.decl.callbacks"

#define SUTURE__CALLBACK(kind, fn, tag, type, what)                                 \
	_Static_assert(__builtin_types_compatible_p(__typeof__(&(fn)), type),       \
		       what ": '" #fn "' is not a function of type " #type);                \
	static const struct suture_callback_decl suture__callback_##tag##_##fn      \
	__attribute__((used, section(SUTURE_CALLBACK_SECTION), aligned(8))) =       \
		{ (kind), 0, (void (*)(void))(fn) }

/* int fn(void): after the patch is loaded, before any thread switches to
 * it; non-zero refuses the patch in that process, nothing changed. */
#define SUTURE_PRE_PATCH(fn)                                                         \
	SUTURE__CALLBACK(SUTURE_CALLBACK_PRE_PATCH, fn, pre_patch, int (*)(void),  \
			 "SUTURE_PRE_PATCH")
/* void fn(void): once every thread runs the new code. */
#define SUTURE_POST_PATCH(fn)                                                        \
	SUTURE__CALLBACK(SUTURE_CALLBACK_POST_PATCH, fn, post_patch, void (*)(void),\
			 "SUTURE_POST_PATCH")
/* void fn(void): before `suture revert` switches threads back. */
#define SUTURE_PRE_UNPATCH(fn)                                                       \
	SUTURE__CALLBACK(SUTURE_CALLBACK_PRE_UNPATCH, fn, pre_unpatch,             \
			 void (*)(void), "SUTURE_PRE_UNPATCH")
/* void fn(void): once every thread runs the old code again, before the
 * patch's memory is freed (the last chance to free its shadows). */
#define SUTURE_POST_UNPATCH(fn)                                                      \
	SUTURE__CALLBACK(SUTURE_CALLBACK_POST_UNPATCH, fn, post_unpatch,           \
			 void (*)(void), "SUTURE_POST_UNPATCH")

/* ---- the target's private symbols ----------------------------------------- */

/* The assembler name of the local symbol NAME (a string, "count.3" for a
 * function-static, as the target's symbol table numbers it) of the unit
 * whose source file is FILE (the STT_FILE name, usually the source's base
 * name): "NAME:FILE", the patch format's name for an undefined local
 * symbol.  The runtime resolves it in the target's .symtab. */
#define SUTURE_STATIC_AS(file, name) __asm__("\"" name ":" file "\"")
/* Same, with NAME an identifier: extern int counter SUTURE_STATIC("server.c", counter); */
#define SUTURE_STATIC(file, name) SUTURE_STATIC_AS(file, #name)

/* ---- shadow variables ------------------------------------------------------ */

#include <suture/shadow.h>

#endif
