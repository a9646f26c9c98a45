"""The trailer suture appends to every patch (src/trust/trailer.h): a test
that damages a patch on purpose to reach one check behind the checksum
seals it again, as a forger who can write the file could."""
import hashlib
import struct

TRAILER = 128
MAGIC = b"~suture sealed~\n"


def image_of(data: bytes) -> bytes:
    """The ELF image of a sealed patch: everything before the trailer."""
    assert data[-16:] == MAGIC, "not a sealed patch"
    return data[:-TRAILER]


def seal(image: bytes) -> bytes:
    """IMAGE followed by an unsigned trailer with its checksum (BLAKE2b-256,
    libsodium's crypto_generichash)."""
    checksum = hashlib.blake2b(image, digest_size=32).digest()
    return image + checksum + bytes(8 + 64) + struct.pack("<II", 1, 0) + MAGIC


def reseal(data: bytes) -> bytes:
    """A patch damaged in its image, with a checksum that matches again."""
    return seal(image_of(data))
