/* Which ABI-breaking interprocedural optimizations a GCC command line
 * turns on: from the -O level, explicit -f/-fno- options, and GCC's own
 * -flive-patching (as GCC 12 defines them). */
#ifndef SUTURE_IMPACT_IPA_OPTIONS_H
#define SUTURE_IMPACT_IPA_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

enum ipa_opt {
	IPA_RA,
	IPA_ICF,
	IPA_PURE_CONST,
	IPA_MODREF,
	IPA_VRP,
	IPA_BIT_CP,
	IPA_REFERENCE,
	IPA_STACK_ALIGNMENT,
	IPA_PTA,
	IPA_SRA,
	IPA_CP,
	IPA_PARTIAL_INLINING,
	IPA_INLINE_GLOBALS,
	IPA_INLINE_STATICS,
	IPA_N
};

struct ipa_opt_info {
	const char *name;      /* as audit prints it, e.g. "ipa-ra" */
	const char *why;       /* what callers come to rely on */
	bool tracked;          /* inlining/cloning: suture impact lists what it did */
};

const struct ipa_opt_info *ipa_opt_info(enum ipa_opt opt);

/* The optimizations ARGS (a compiler command line, in order) leave on, as
 * a bit mask (1 << enum ipa_opt). */
unsigned ipa_options_on(char *const *args, size_t n_args);

#endif
