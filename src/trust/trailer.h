/* The trailer every patch file ends with: its checksum and, when signed,
 * its signature.
 *
 * As the kernel appends a module's signature after the ELF image, suture
 * appends 128 bytes after the patch's ELF image (ELF readers ignore bytes
 * past the sections, so readelf, objdump and ld -r still read the patch):
 *
 *     ELF image | struct suture_trailer
 *
 * The checksum (BLAKE2b-256, libsodium's crypto_generichash) covers the
 * whole ELF image, which is everything the runtime uses: a patch whose
 * image was damaged in any byte is refused before any of it is parsed.
 * The signature (Ed25519, libsodium's crypto_sign) also covers the whole
 * image; docs/trust.md says who checks it and when. */
#ifndef SUTURE_TRUST_TRAILER_H
#define SUTURE_TRUST_TRAILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SUTURE_TRAILER_MAGIC "~suture sealed~\n"
#define SUTURE_TRAILER_VERSION 1
#define SUTURE_CHECKSUM_BYTES 32
#define SUTURE_KEY_ID_BYTES 8
#define SUTURE_SIGNATURE_BYTES 64

/* suture_trailer.flags */
enum { SUTURE_TRAILER_SIGNED = 1u << 0 };

struct suture_trailer {
	uint8_t  checksum[SUTURE_CHECKSUM_BYTES];   /* BLAKE2b-256 of the image */
	uint8_t  key_id[SUTURE_KEY_ID_BYTES];       /* signer's key id, or zeroes */
	uint8_t  signature[SUTURE_SIGNATURE_BYTES]; /* Ed25519 of the image, or zeroes */
	uint32_t version;                           /* SUTURE_TRAILER_VERSION */
	uint32_t flags;                             /* SUTURE_TRAILER_* */
	char     magic[16];                         /* SUTURE_TRAILER_MAGIC, no NUL */
};
_Static_assert(sizeof(struct suture_trailer) == 128, "trailer layout");

/* Initialises libsodium (once); -1 with err_set() when it cannot. */
int trust_crypto_init(void);

/* Checks the trailer at the end of the LEN bytes of FILE (named PATH in
 * messages): present, known, and its checksum matching.  *IMAGE_LEN gets
 * the size of the ELF image before it; TRAILER, when not NULL, a copy. */
int trailer_check(const char *path, const uint8_t *file, size_t len, size_t *image_len,
		  struct suture_trailer *trailer);

/* Fills T with the checksum of IMAGE, unsigned. */
int trailer_init(struct suture_trailer *t, const uint8_t *image, size_t len);

/* Appends the trailer of the file open for reading and writing on FD (its
 * whole contents are the ELF image).  PATH names it in messages. */
int trailer_seal_fd(int fd, const char *path);

#endif
