/* Patch signatures, in the manner of the kernel's module signing: the
 * builder signs with a secret key, the machine that applies trusts a
 * directory of public keys (docs/trust.md). */
#ifndef SUTURE_TRUST_SIGN_H
#define SUTURE_TRUST_SIGN_H

#include "trust/trailer.h"

#include <stddef.h>
#include <stdint.h>

/* Signs the patch file PATH in place with the secret key in KEYFILE (made
 * by suture keygen); a signature it had is replaced.  For `suture sign`
 * and `suture build --sign KEY`. */
int sign_patch_file(const char *path, const char *keyfile);

enum signature_state {
	SIGNATURE_NONE,        /* the patch is not signed */
	SIGNATURE_UNKNOWN_KEY, /* signed by a key not among the trusted ones */
	SIGNATURE_BAD,         /* signed by a trusted key, but it does not verify */
	SIGNATURE_GOOD,        /* verified with a trusted key */
};

struct signature_status {
	enum signature_state state;
	char key_id[2 * SUTURE_KEY_ID_BYTES + 1];   /* hex; "" when unsigned */
	char *key_file;                             /* the trusted key that matched, or NULL */
};

/* Checks the signature of the ELF IMAGE of LEN bytes with trailer T
 * against the public keys (*.pub) in KEYS_DIR.  -1 with err_set() only
 * when a trusted key cannot be read; an invalid signature is a state. */
int signature_check(const uint8_t *image, size_t len, const struct suture_trailer *t,
		    const char *keys_dir, struct signature_status *out);
void signature_status_free(struct signature_status *s);
const char *signature_state_name(enum signature_state state);

/* 0 when S is SIGNATURE_GOOD; else -1 with err_set() naming PATH, what is
 * wrong and what to do. */
int signature_require(const char *path, const struct signature_status *s, const char *keys_dir);

/* For apply --require-signature: 0 when the patch PATH (ELF IMAGE of LEN
 * bytes, trailer T) is signed by a key of the trusted directory
 * (trust_keys_dir(KEYS_DIR)); else -1 with err_set() saying why. */
int signature_require_patch(const char *path, const uint8_t *image, size_t len,
			    const struct suture_trailer *t, const char *keys_dir);

#endif
