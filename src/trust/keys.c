/* Ed25519 key files: see keys.h. */
#include "trust/keys.h"
#include "trust/patch_input.h"
#include "common/error.h"
#include "common/input.h"
#include "common/util.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SECRET_TAG "suture-ed25519-secret "
#define PUBLIC_TAG "suture-ed25519-public "
#define B64 sodium_base64_VARIANT_ORIGINAL

void trust_key_id(const uint8_t pk[SUTURE_PUBLIC_KEY_BYTES], uint8_t id[SUTURE_KEY_ID_BYTES])
{
	uint8_t hash[32];
	crypto_generichash(hash, sizeof hash, pk, SUTURE_PUBLIC_KEY_BYTES, NULL, 0);
	memcpy(id, hash, SUTURE_KEY_ID_BYTES);
}

void trust_key_id_hex(const uint8_t id[SUTURE_KEY_ID_BYTES], char *hex)
{
	sodium_bin2hex(hex, 2 * SUTURE_KEY_ID_BYTES + 1, id, SUTURE_KEY_ID_BYTES);
}

const char *trust_keys_dir(const char *dir)
{
	if (dir)
		return dir;
	const char *env = getenv("SUTURE_KEYS_DIR");
	return env && *env ? env : SUTURE_DEFAULT_KEYS_DIR;
}

/* Writes "TAG BASE64(KEY)\n" to a new file PATH with MODE. */
static int write_key(const char *path, const char *tag, const uint8_t *key, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0 && errno == EEXIST)
		return err_set("%s exists already; remove it or choose another name", path);
	if (fd < 0)
		return err_set_errno("cannot create %s", path);
	char b64[sodium_base64_ENCODED_LEN(SUTURE_SECRET_KEY_BYTES, B64)];
	sodium_bin2base64(b64, sizeof b64, key, len, B64);
	char *line = xasprintf("%s%s\n", tag, b64);
	ssize_t want = (ssize_t)strlen(line);
	int ret = write(fd, line, (size_t)want) == want ? 0 : err_set_errno("cannot write %s", path);
	free(line);
	if (close(fd) < 0 && ret == 0)
		ret = err_set_errno("cannot write %s", path);
	if (ret < 0)
		unlink(path);
	return ret;
}

int trust_keygen(const char *base, char *id_hex)
{
	if (trust_crypto_init() < 0)
		return -1;
	uint8_t pk[SUTURE_PUBLIC_KEY_BYTES], sk[SUTURE_SECRET_KEY_BYTES];
	crypto_sign_keypair(pk, sk);
	char *secret = xasprintf("%s.key", base), *public = xasprintf("%s.pub", base);
	int ret = write_key(secret, SECRET_TAG, sk, sizeof sk, 0600);
	if (ret == 0 && (ret = write_key(public, PUBLIC_TAG, pk, sizeof pk, 0644)) < 0)
		unlink(secret);
	sodium_memzero(sk, sizeof sk);
	uint8_t id[SUTURE_KEY_ID_BYTES];
	trust_key_id(pk, id);
	trust_key_id_hex(id, id_hex);
	free(secret);
	free(public);
	return ret;
}

/* Decodes the one line of a key file TEXT: TAG then base64 of LEN bytes. */
static int parse_key(const char *path, const char *text, const char *tag, uint8_t *key, size_t len)
{
	size_t tag_len = strlen(tag), got = 0;
	if (strncmp(text, tag, tag_len) != 0)
		return err_set("%s is not a suture %s key (it must begin with '%s'); make keys "
			       "with suture keygen", path, strstr(tag, "secret") ? "secret" : "public", tag);
	const char *b64 = text + tag_len;
	size_t b64_len = strcspn(b64, "\n");
	if (sodium_base642bin(key, len, b64, b64_len, NULL, &got, NULL, B64) != 0 || got != len)
		return err_set("%s: the key is damaged (not %zu bytes of base64)", path, len);
	return 0;
}

int trust_read_secret_key(const char *path, uint8_t sk[SUTURE_SECRET_KEY_BYTES])
{
	if (trust_crypto_init() < 0)
		return -1;
	size_t len;
	char *text = input_read(path, &len);
	if (!text)
		return -1;
	int ret = parse_key(path, text, SECRET_TAG, sk, SUTURE_SECRET_KEY_BYTES);
	sodium_memzero(text, len);
	free(text);
	return ret;
}

int trust_check_secret_key(const char *path)
{
	uint8_t sk[SUTURE_SECRET_KEY_BYTES];
	int ret = trust_read_secret_key(path, sk);
	sodium_memzero(sk, sizeof sk);
	return ret;
}

int trust_read_public_key(const char *path, uint8_t pk[SUTURE_PUBLIC_KEY_BYTES])
{
	if (trust_crypto_init() < 0)
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return err_set_errno("cannot open %s", path);
	struct stat st;
	size_t len;
	char *text = NULL;
	if (fstat(fd, &st) < 0)
		err_set_errno("cannot read %s", path);
	else if (trust_check_owner(path, "trusted key", &st) == 0)
		text = input_read_fd(fd, path, &st, &len);
	close(fd);
	if (!text)
		return -1;
	int ret = parse_key(path, text, PUBLIC_TAG, pk, SUTURE_PUBLIC_KEY_BYTES);
	free(text);
	return ret;
}
