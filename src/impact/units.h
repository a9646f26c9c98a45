/* Reading the unit records suture-cc keeps in `.suture.units`
 * (docs/unit-records.md): how each translation unit was compiled and GCC's
 * -fdump-ipa-clones output for it. */
#ifndef SUTURE_IMPACT_UNITS_H
#define SUTURE_IMPACT_UNITS_H

#include "elf/elffile.h"

#include <stddef.h>

struct unit_record {
	char *source;        /* as GCC was given it */
	char *directory;
	char *output;
	char *level;         /* none | only-inline-static | inline | inline-clone */
	char *gcc;           /* GCC version */
	char *padding;       /* "nop5", or NULL */
	char **args;         /* the user's arguments, in order */
	size_t n_args;
	char **added;        /* options suture-cc added for the level */
	size_t n_added;
	char *ipa_clones;    /* GCC's dump, verbatim ("" when empty) */
};

struct unit_list {
	struct unit_record *units;
	size_t n;
};

/* Parses one section's worth of records (several, NUL-separated) and
 * appends them to LIST.  WHERE names the file for messages.  Returns 0 or
 * -1 with err_set(). */
int units_parse(const char *data, size_t size, const char *where, struct unit_list *list);

/* Appends the records of EF's `.suture.units` section.  Returns the number
 * of records found (0 when the file has no such section) or -1. */
int units_read_elf(struct elf_file *ef, struct unit_list *list);

void units_free(struct unit_list *list);

#endif
