/* Ed25519 signing keys, as files.
 *
 * A key pair is two one-line text files, made by `suture keygen NAME`:
 *     NAME.key  "suture-ed25519-secret BASE64"  (mode 0600: keep it private)
 *     NAME.pub  "suture-ed25519-public BASE64"  (copy it to the trusted keys)
 * A key's id is the first 8 bytes of the BLAKE2b-256 hash of its public
 * key, shown in hex by `suture info` and `suture keygen`. */
#ifndef SUTURE_TRUST_KEYS_H
#define SUTURE_TRUST_KEYS_H

#include "trust/trailer.h"

#include <stdint.h>

#define SUTURE_PUBLIC_KEY_BYTES 32
#define SUTURE_SECRET_KEY_BYTES 64

/* Default directory of trusted public keys; SUTURE_KEYS_DIR overrides it. */
#define SUTURE_DEFAULT_KEYS_DIR "/etc/suture/keys"

/* Makes BASE.key and BASE.pub (refusing to overwrite either); ID_HEX gets
 * the key id in hex (17 bytes). */
int trust_keygen(const char *base, char *id_hex);

int trust_read_secret_key(const char *path, uint8_t sk[SUTURE_SECRET_KEY_BYTES]);
/* 0 when PATH holds a readable secret key (checked before long work that
 * ends by signing with it, e.g. suture build --sign); else -1, err_set(). */
int trust_check_secret_key(const char *path);
/* A public key; as root its file must pass trust_check_owner(). */
int trust_read_public_key(const char *path, uint8_t pk[SUTURE_PUBLIC_KEY_BYTES]);

void trust_key_id(const uint8_t pk[SUTURE_PUBLIC_KEY_BYTES], uint8_t id[SUTURE_KEY_ID_BYTES]);
/* Hex form of a key id, in a buffer of 2*SUTURE_KEY_ID_BYTES+1 bytes. */
void trust_key_id_hex(const uint8_t id[SUTURE_KEY_ID_BYTES], char *hex);

/* The directory of trusted keys: DIR when given, else $SUTURE_KEYS_DIR,
 * else SUTURE_DEFAULT_KEYS_DIR. */
const char *trust_keys_dir(const char *dir);

#endif
