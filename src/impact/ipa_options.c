#include "impact/ipa_options.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

/* How GCC 12 turns each one on and off. */
struct ipa_opt_rule {
	const char *flags[3];  /* -fFLAG / -fno-FLAG names that control it */
	int min_level;         /* the -O level that turns it on (99: never) */
	bool off_inline_clone; /* -flive-patching=inline-clone turns it off */
	bool off_only_static;  /* -flive-patching=inline-only-static turns it off */
};

static const struct ipa_opt_info infos[IPA_N] = {
	[IPA_RA] = { "ipa-ra", "callers keep values in the registers the callee is known not "
		     "to clobber; a patched callee that uses other registers corrupts its callers", false },
	[IPA_ICF] = { "ipa-icf", "identical functions are folded into one body; patching one "
		      "changes the others, or misses the callers that jump to the folded copy", false },
	[IPA_PURE_CONST] = { "ipa-pure-const", "callers drop, merge or move calls to functions "
			     "found pure, const or nothrow; a patched body with side effects is "
			     "then not called when it must be", false },
	[IPA_MODREF] = { "ipa-modref", "callers assume which memory the callee reads and "
			 "writes; a patched callee that touches more breaks them", false },
	[IPA_VRP] = { "ipa-vrp", "callers and callees assume value ranges of arguments and "
		      "return values found from the bodies", false },
	[IPA_BIT_CP] = { "ipa-bit-cp", "callers and callees assume known bits (alignment) of "
			 "arguments and return values found from the bodies", false },
	[IPA_REFERENCE] = { "ipa-reference", "callers assume which global variables the "
			    "callee reads and writes, and keep them in registers across the call", false },
	[IPA_STACK_ALIGNMENT] = { "ipa-stack-alignment", "callers align the stack only as much "
				  "as the callee's body needs", false },
	[IPA_PTA] = { "ipa-pta", "points-to facts flow between function bodies", false },
	[IPA_SRA] = { "ipa-sra", "clones with parameters split or removed (f.isra.N)", true },
	[IPA_CP] = { "ipa-cp", "clones specialised on constant arguments (f.constprop.N)", true },
	[IPA_PARTIAL_INLINING] = { "partial-inlining", "function heads inlined, the rest split "
				   "off (f.part.N)", true },
	[IPA_INLINE_GLOBALS] = { "inlining of globals", "the bodies of global (not only static) "
				 "functions are copied into their callers", true },
	[IPA_INLINE_STATICS] = { "inlining of statics", "the bodies of static functions are "
				 "copied into their callers", true },
};

static const struct ipa_opt_rule rules[IPA_N] = {
	[IPA_RA] = { { "ipa-ra" }, 2, true, true },
	[IPA_ICF] = { { "ipa-icf", "ipa-icf-functions" }, 2, true, true },
	[IPA_PURE_CONST] = { { "ipa-pure-const" }, 1, true, true },
	[IPA_MODREF] = { { "ipa-modref" }, 1, true, true },
	[IPA_VRP] = { { "ipa-vrp" }, 2, true, true },
	[IPA_BIT_CP] = { { "ipa-bit-cp" }, 2, true, true },
	[IPA_REFERENCE] = { { "ipa-reference" }, 1, true, true },
	[IPA_STACK_ALIGNMENT] = { { "ipa-stack-alignment" }, 1, true, true },
	[IPA_PTA] = { { "ipa-pta" }, 99, true, true },
	[IPA_SRA] = { { "ipa-sra" }, 2, false, true },
	[IPA_CP] = { { "ipa-cp" }, 2, false, true },
	[IPA_PARTIAL_INLINING] = { { "partial-inlining" }, 2, false, true },
	[IPA_INLINE_GLOBALS] = { { "inline" }, 1, false, true },
	[IPA_INLINE_STATICS] = { { "inline" }, 1, false, false },
};

const struct ipa_opt_info *ipa_opt_info(enum ipa_opt opt)
{
	return &infos[opt];
}

/* -O, -O1, -O2, -O3, -Os, -Oz, -Ofast, -Og -> a level (Og and Os count as
 * the level whose IPA passes they run). */
static int opt_level(const char *arg)
{
	const char *v = arg + 2;
	if (*v == '\0')
		return 1;
	if (strcmp(v, "s") == 0 || strcmp(v, "z") == 0)
		return 2;
	if (strcmp(v, "fast") == 0)
		return 3;
	if (strcmp(v, "g") == 0)
		return 1;
	return atoi(v);
}

/* 1 when ARG is -fFLAG, 0 when -fno-FLAG, -1 when neither. */
static int sets_flag(const char *arg, const char *flag)
{
	if (!flag || !str_starts_with(arg, "-f"))
		return -1;
	if (str_starts_with(arg, "-fno-") && strcmp(arg + 5, flag) == 0)
		return 0;
	return strcmp(arg + 2, flag) == 0 ? 1 : -1;
}

unsigned ipa_options_on(char *const *args, size_t n_args)
{
	int level = 0;
	int explicit_on[IPA_N];
	const char *live_patching = NULL;
	for (int o = 0; o < IPA_N; o++)
		explicit_on[o] = -1;
	for (size_t i = 0; i < n_args; i++) {
		const char *arg = args[i];
		if (str_starts_with(arg, "-O"))
			level = opt_level(arg);
		else if (str_starts_with(arg, "-flive-patching="))
			live_patching = arg + strlen("-flive-patching=");
		for (int o = 0; o < IPA_N; o++)
			for (size_t f = 0; f < ARRAY_SIZE(rules[o].flags); f++) {
				int set = sets_flag(arg, rules[o].flags[f]);
				if (set >= 0)
					explicit_on[o] = set;
			}
	}
	unsigned on = 0;
	for (int o = 0; o < IPA_N; o++) {
		/* -O sets defaults only; an explicit option wins wherever it is */
		bool enabled = explicit_on[o] >= 0 ? explicit_on[o] == 1 : level >= rules[o].min_level;
		if (level == 0)
			enabled = false;   /* no IPA at -O0 */
		if (live_patching && strcmp(live_patching, "inline-clone") == 0 &&
		    rules[o].off_inline_clone)
			enabled = false;
		if (live_patching && strcmp(live_patching, "inline-only-static") == 0 &&
		    rules[o].off_only_static)
			enabled = false;
		if (enabled)
			on |= 1u << o;
	}
	return on;
}
