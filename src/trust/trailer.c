/* A patch file's trailer: see trailer.h. */
#include "trust/trailer.h"
#include "common/error.h"
#include "common/input.h"
#include "common/util.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int trust_crypto_init(void)
{
	if (sodium_init() < 0)
		return err_set("libsodium cannot be initialised");
	return 0;
}

static void checksum(const uint8_t *image, size_t len, uint8_t out[SUTURE_CHECKSUM_BYTES])
{
	crypto_generichash(out, SUTURE_CHECKSUM_BYTES, image, len, NULL, 0);
}

int trailer_init(struct suture_trailer *t, const uint8_t *image, size_t len)
{
	if (trust_crypto_init() < 0)
		return -1;
	memset(t, 0, sizeof *t);
	checksum(image, len, t->checksum);
	t->version = SUTURE_TRAILER_VERSION;
	memcpy(t->magic, SUTURE_TRAILER_MAGIC, sizeof t->magic);
	return 0;
}

/* key_id and signature follow each other: checked as one run of bytes */
static bool is_zero(const uint8_t *bytes, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (bytes[i])
			return false;
	return true;
}

int trailer_check(const char *path, const uint8_t *file, size_t len, size_t *image_len,
		  struct suture_trailer *trailer)
{
	struct suture_trailer t;
	if (len < 4 || memcmp(file, "\177ELF", 4) != 0)
		return err_set("%s is not an ELF file, so not a patch; give a patch made by "
			       "suture diff or build", path);
	if (len < sizeof t)
		return err_set("%s is not a valid patch: %zu bytes, too short to hold its "
			       "checksum (truncated?)", path, len);
	/* Copied out: the trailer's offset in the buffer need not be aligned. */
	memcpy(&t, file + len - sizeof t, sizeof t);
	if (memcmp(t.magic, SUTURE_TRAILER_MAGIC, sizeof t.magic) != 0)
		return err_set("%s is not a valid patch: no checksum at its end (truncated, "
			       "or not made by suture diff or build); make it again", path);
	if (t.version != SUTURE_TRAILER_VERSION)
		return err_set("%s has a trailer of version %u, this suture reads version %u; "
			       "use the suture that made it", path, t.version, SUTURE_TRAILER_VERSION);
	if (t.flags & ~(uint32_t)SUTURE_TRAILER_SIGNED)
		return err_set("%s: unknown trailer flags %#x; use the suture that made it", path, t.flags);
	if (!(t.flags & SUTURE_TRAILER_SIGNED) && !is_zero(t.key_id, sizeof t.key_id + sizeof t.signature))
		return err_set("%s is not a valid patch: damaged, its trailer says it is unsigned but "
			       "holds a signature; get an intact copy", path);
	if (trust_crypto_init() < 0)
		return -1;
	uint8_t sum[SUTURE_CHECKSUM_BYTES];
	checksum(file, len - sizeof t, sum);
	if (sodium_memcmp(sum, t.checksum, sizeof sum) != 0)
		return err_set("%s is not a valid patch: damaged, its checksum does not match "
			       "its contents; get an intact copy", path);
	*image_len = len - sizeof t;
	if (trailer)
		*trailer = t;
	return 0;
}

int trailer_seal_fd(int fd, const char *path)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return err_set_errno("cannot read back %s", path);
	size_t len;
	uint8_t *image = (uint8_t *)input_read_fd(fd, path, &st, &len);
	if (!image)
		return -1;
	struct suture_trailer t;
	int ret = trailer_init(&t, image, len);
	free(image);
	if (ret == 0 && pwrite(fd, &t, sizeof t, (off_t)len) != (ssize_t)sizeof t)
		ret = err_set_errno("cannot write %s", path);
	return ret;
}
