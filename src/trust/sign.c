/* Signing patches and checking their signatures: see sign.h. */
#include "trust/sign.h"
#include "trust/keys.h"
#include "trust/output.h"
#include "trust/patch_input.h"
#include "common/error.h"
#include "common/util.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int sign_patch_file(const char *path, const char *keyfile)
{
	uint8_t sk[SUTURE_SECRET_KEY_BYTES];
	if (trust_read_secret_key(keyfile, sk) < 0)
		return -1;
	size_t image_len;
	struct suture_trailer t;
	uint8_t *bytes = trust_read_patch(path, &image_len, &t);
	if (!bytes) {
		sodium_memzero(sk, sizeof sk);
		return -1;
	}
	/* The public key is the second half of libsodium's secret key. */
	trust_key_id(sk + 32, t.key_id);
	crypto_sign_detached(t.signature, NULL, bytes, image_len, sk);
	sodium_memzero(sk, sizeof sk);
	t.flags |= SUTURE_TRAILER_SIGNED;
	memcpy(bytes + image_len, &t, sizeof t);
	int ret = output_write_file(path, bytes, image_len + sizeof t);
	free(bytes);
	return ret;
}

static bool is_key_file(const char *name)
{
	return name[0] != '.' && str_ends_with(name, ".pub");
}

/* Looks for the trusted key with the trailer's key id; *PK and *FILE get
 * it (FILE NULL when none matches). */
static int find_key(const char *dir, const uint8_t id[SUTURE_KEY_ID_BYTES],
		    uint8_t pk[SUTURE_PUBLIC_KEY_BYTES], char **file)
{
	*file = NULL;
	DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : err_set_errno("cannot read the trusted keys in %s", dir);
	int ret = 0;
	struct dirent *e;
	while (ret == 0 && !*file && (e = readdir(d))) {
		if (!is_key_file(e->d_name))
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		uint8_t key_id[SUTURE_KEY_ID_BYTES];
		ret = trust_read_public_key(path, pk);
		if (ret == 0)
			trust_key_id(pk, key_id);
		if (ret == 0 && memcmp(key_id, id, sizeof key_id) == 0)
			*file = path;
		else
			free(path);
	}
	closedir(d);
	return ret;
}

int signature_check(const uint8_t *image, size_t len, const struct suture_trailer *t,
		    const char *keys_dir, struct signature_status *out)
{
	memset(out, 0, sizeof *out);
	if (!(t->flags & SUTURE_TRAILER_SIGNED))
		return 0;
	trust_key_id_hex(t->key_id, out->key_id);
	uint8_t pk[SUTURE_PUBLIC_KEY_BYTES];
	if (trust_crypto_init() < 0 || find_key(keys_dir, t->key_id, pk, &out->key_file) < 0)
		return -1;
	if (!out->key_file)
		out->state = SIGNATURE_UNKNOWN_KEY;
	else if (crypto_sign_verify_detached(t->signature, image, len, pk) != 0)
		out->state = SIGNATURE_BAD;
	else
		out->state = SIGNATURE_GOOD;
	return 0;
}

void signature_status_free(struct signature_status *s)
{
	free(s->key_file);
	s->key_file = NULL;
}

const char *signature_state_name(enum signature_state state)
{
	switch (state) {
	case SIGNATURE_NONE: return "none";
	case SIGNATURE_UNKNOWN_KEY: return "unknown key";
	case SIGNATURE_BAD: return "bad";
	case SIGNATURE_GOOD: return "good";
	}
	return "?";
}

int signature_require(const char *path, const struct signature_status *s, const char *keys_dir)
{
	switch (s->state) {
	case SIGNATURE_GOOD:
		return 0;
	case SIGNATURE_NONE:
		return err_set("%s is not signed, and --require-signature was given; sign it "
			       "with suture sign KEY %s", path, path);
	case SIGNATURE_UNKNOWN_KEY:
		return err_set("%s is signed with key %s, which is not among the trusted keys in "
			       "%s; install its .pub there if you trust it", path, s->key_id, keys_dir);
	case SIGNATURE_BAD:
		return err_set("%s: its signature by key %s (%s) does not verify: the patch was "
			       "changed after it was signed; get the patch again from its signer",
			       path, s->key_id, s->key_file);
	}
	return -1;
}

int signature_require_patch(const char *path, const uint8_t *image, size_t len,
			    const struct suture_trailer *t, const char *keys_dir)
{
	const char *dir = trust_keys_dir(keys_dir);
	struct signature_status s;
	int ret = signature_check(image, len, t, dir, &s);
	if (ret == 0)
		ret = signature_require(path, &s, dir);
	signature_status_free(&s);
	return ret;
}
