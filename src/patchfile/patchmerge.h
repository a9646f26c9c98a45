/* Merging the parts of a patch.
 *
 * `suture diff -o` writes the part of one translation unit; a patch for a
 * program changed in several units is their union (what `suture build`
 * makes): one target object, named and with its build-id, every part's
 * sections, symbols and records.  A global function or datum one part
 * defines is what the other parts' references to that name resolve to, as
 * `ld` would do; every other undefined symbol keeps its record. */
#ifndef SUTURE_PATCHFILE_PATCHMERGE_H
#define SUTURE_PATCHFILE_PATCHMERGE_H

#include <stddef.h>
#include <stdint.h>

/* Writes to OUT the patch NAME for target object OBJECT_NAME (its build-id
 * BUILD_ID of BUILD_ID_LEN bytes; 0 for none) made of the NPARTS patch
 * files PARTS, each of one target object.  0, or -1 with err_set(). */
int patch_merge(const char *const *parts, size_t nparts, const char *name,
		const char *object_name, const uint8_t *build_id, size_t build_id_len,
		const char *out);

/* A target object of a merged patch. */
struct patch_merge_object {
	const char *name;
	const uint8_t *build_id;
	size_t build_id_len;
};

/* The same for a patch of several target objects (a program and its own
 * shared library, switched together): part I is for OBJECTS[PART_OBJECT[I]];
 * a global one part defines resolves the references of the parts of the
 * same object only, since each object has its own symbol namespace. */
int patch_merge_objects(const char *const *parts, const uint32_t *part_object, size_t nparts,
			const char *name, const struct patch_merge_object *objects, size_t nobjects,
			const char *out);

#endif
