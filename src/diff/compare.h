/* Comparing one function or data object of the original build with its
 * twin in the patched build, relocations normalised: two relocations are
 * the same when they refer to the same thing (the twin symbol, the same
 * string content, the same constant, an equal anonymous section) with the
 * same addend, whatever its label or section symbol is called. */
#ifndef SUTURE_DIFF_COMPARE_H
#define SUTURE_DIFF_COMPARE_H

#include "diff/object.h"

/* What a relocation refers to. */
enum ref_kind {
	REF_SYMBOL,    /* a function or data object of the object (sym) */
	REF_STRING,    /* a string literal, by content (str, len) */
	REF_CONST,     /* a mergeable constant, by content */
	REF_SECTION,   /* an anonymous section (sec) */
	REF_EXTERNAL,  /* an undefined symbol, by name (str) */
};

struct ref {
	enum ref_kind kind;
	int sym;
	size_t sec;
	int64_t off;          /* addend relative to the symbol or section */
	const char *str;
	size_t len;
};

/* Resolves relocation R of section FROM_SEC. */
void ref_resolve(const struct dobj *o, size_t from_sec, const struct dobj_rela *r, struct ref *out);
/* Human-readable name of what REF refers to (in a static buffer). */
const char *ref_describe(const struct dobj *o, const struct ref *ref);

/* Compares symbol A of object O with symbol B of object P (twins).
 * Returns 0 when equal; else the DIFF_R_* reasons, with a one-line
 * description in *detail (a new string). */
unsigned compare_symbols(const struct dobj *o, int a, const struct dobj *p, int b, char **detail);

#endif
