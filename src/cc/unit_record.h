/* Unit records: how one translation unit was compiled and what GCC
 * inlined and cloned in it, kept in the `.suture.units` section of objects,
 * executables and shared libraries (docs/unit-records.md).
 *
 * suture-cc writes them (unit_record_format); suture impact, audit and
 * build read them back (unit_records_read). */
#ifndef SUTURE_CC_UNIT_RECORD_H
#define SUTURE_CC_UNIT_RECORD_H

#include "common/util.h"
#include "elf/elffile.h"

#include <stddef.h>

#define UNIT_RECORD_SECTION ".suture.units"
#define UNIT_RECORD_VERSION 1

/* One record.  Every string is owned by the record. */
struct unit_record {
	char *source;      /* as GCC was given it; "-" for standard input */
	char *directory;   /* working directory of the compilation */
	char *output;      /* object (or assembly) written, as given */
	char *level;       /* none, only-inline-static, inline, inline-clone */
	char *gcc;         /* GCC version, e.g. "12.2.0" */
	char *padding;     /* entry padding form, e.g. "nop5" */
	char **args;       /* the user's arguments, in order */
	size_t n_args;
	char **added;      /* options suture-cc added for the level */
	size_t n_added;
	char **ipa_clones; /* GCC's -fdump-ipa-clones lines, verbatim */
	size_t n_ipa_clones;
};

/* All records of one file. */
struct unit_records {
	struct unit_record *units;
	size_t n_units;
};

/* Appends REC in the section's text form (with its terminating NUL) to
 * OUT.  Strings holding a newline have it replaced by a space, since one
 * line is one value. */
void unit_record_format(const struct unit_record *rec, struct buf *out);

/* Parses a whole `.suture.units` section (several NUL-terminated records;
 * empty pieces are skipped) and appends its records to RECS.  NAME names
 * the file in error messages.  Returns 0, or -1 with err_set() on a record
 * of another version or without its first line. */
int unit_records_parse(const char *name, const char *data, size_t size,
		       struct unit_records *recs);

/* Reads the records of an ELF file into RECS (none when the file has no
 * `.suture.units` section: recs->n_units stays 0).  Returns 0 or -1 with
 * err_set(). */
int unit_records_read(struct elf_file *ef, struct unit_records *recs);

void unit_record_free(struct unit_record *rec);
void unit_records_free(struct unit_records *recs);

#endif
