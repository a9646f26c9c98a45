"""Who may put code into a process (docs/trust.md): a patch is refused,
with its reason and the target untouched (maps and code bytes), when it is
owned by another user, writable by group or others, reached through a
symbolic link, truncated, damaged, changed after signing, or unsigned
under --require-signature; a patch signed by a trusted key goes in."""
import os
import pathlib
import shutil
import threading

import pytest

from conftest import run
from test_runtime import is_answer_patch, start, ticker  # noqa: F401
from test_runtime_errors import refused


@pytest.fixture
def patch(ticker, tmp_path):
    p = tmp_path / "answer.o"
    shutil.copy(ticker["ANSWER"], p)
    os.chmod(p, 0o644)
    return p


@pytest.fixture
def keys(suture, tmp_path):
    """A key pair, and a directory of trusted keys holding its public half."""
    run([suture, "keygen", str(tmp_path / "signer")])
    trusted = tmp_path / "trusted"
    trusted.mkdir()
    shutil.copy(tmp_path / "signer.pub", trusted)
    return tmp_path / "signer.key", trusted


def apply_args(t, patch, *opts):
    return ["apply", "--consistency", "stop", *opts, str(t.pid), str(patch)]


def test_owned_by_another_user(suture, ticker, start, patch):
    t = start(ticker["prog"])
    os.chown(patch, 65534, 65534)
    refused(suture, t, ticker["prog"], apply_args(t, patch), "refusing a patch owned by uid 65534",
            "chown root")


@pytest.mark.parametrize("mode,who", [(0o664, "its group"), (0o646, "everyone")])
def test_writable_by_others(suture, ticker, start, patch, mode, who):
    t = start(ticker["prog"])
    os.chmod(patch, mode)
    refused(suture, t, ticker["prog"], apply_args(t, patch), f"writable by {who}", "chmod go-w")


def test_symbolic_link(suture, ticker, start, patch, tmp_path):
    t = start(ticker["prog"])
    link = tmp_path / "link.o"
    link.symlink_to(patch)
    refused(suture, t, ticker["prog"], apply_args(t, link), "is a symbolic link")


def test_fifo_does_not_block(suture, ticker, start, tmp_path):
    t = start(ticker["prog"])
    fifo = tmp_path / "fifo.o"
    os.mkfifo(fifo)
    refused(suture, t, ticker["prog"], apply_args(t, fifo), "is a FIFO")


def test_truncated_and_damaged(suture, ticker, start, patch, tmp_path):
    t = start(ticker["prog"])
    data = patch.read_bytes()
    cut = tmp_path / "cut.o"
    cut.write_bytes(data[:len(data) - 200])
    refused(suture, t, ticker["prog"], apply_args(t, cut), "no checksum at its end")
    damaged = tmp_path / "damaged.o"
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0x01
    damaged.write_bytes(flipped)
    refused(suture, t, ticker["prog"], apply_args(t, damaged), "checksum does not match")


def test_truncated_while_read(suture, ticker, start, patch, tmp_path):
    """A writer truncates and rewrites the patch while apply reads it: each
    apply either refuses with one line or applies the whole patch; suture
    never dies of SIGBUS, the target never of anything."""
    t = start(ticker["prog"])
    data = patch.read_bytes()
    racing = tmp_path / "racing.o"
    racing.write_bytes(data)
    stop = threading.Event()

    def writer():
        while not stop.is_set():
            with open(racing, "r+b") as f:
                f.truncate(len(data) // 2)
                f.truncate(100)
                f.seek(0)
                f.write(data)
    w = threading.Thread(target=writer)
    w.start()
    outcomes = set()
    try:
        for _ in range(30):
            r = run(["timeout", "20", suture, *apply_args(t, racing)], check=False)
            assert r.returncode in (0, 1), (r.returncode, r.stderr)
            if r.returncode == 0:
                outcomes.add("applied")
                assert all(v % 2 == 0 for v in t.next_values())
                run([suture, "revert", str(t.pid), "answer"])
            else:
                outcomes.add("refused")
                assert len(r.stderr.strip().splitlines()) == 1, r.stderr
            assert t.alive()
    finally:
        stop.set()
        w.join()
    assert all(v % 2 == 1 for v in t.next_values())   # the original answer(), 2i+1


def test_unsigned_under_require_signature(suture, ticker, start, patch, keys):
    t = start(ticker["prog"])
    _, trusted = keys
    refused(suture, t, ticker["prog"],
            apply_args(t, patch, "--require-signature", "--keys", str(trusted)),
            "is not signed", "suture sign")


def test_signed_by_untrusted_key(suture, ticker, start, patch, keys, tmp_path):
    t = start(ticker["prog"])
    run([suture, "keygen", str(tmp_path / "stranger")])
    run([suture, "sign", str(tmp_path / "stranger.key"), str(patch)])
    _, trusted = keys
    refused(suture, t, ticker["prog"],
            apply_args(t, patch, "--require-signature", "--keys", str(trusted)),
            "not among the trusted keys")


def test_tampered_after_signing(suture, ticker, start, patch, keys, tmp_path):
    """The forger changes one byte and fixes the checksum (which needs no
    key): the signature no longer verifies."""
    from sealing import TRAILER, image_of
    import hashlib
    t = start(ticker["prog"])
    key, trusted = keys
    run([suture, "sign", str(key), str(patch)])
    data = patch.read_bytes()
    image = bytearray(image_of(data))
    image[len(image) // 2] ^= 0x01
    trailer = bytearray(data[-TRAILER:])
    trailer[0:32] = hashlib.blake2b(bytes(image), digest_size=32).digest()
    patch.write_bytes(bytes(image) + bytes(trailer))
    refused(suture, t, ticker["prog"],
            apply_args(t, patch, "--require-signature", "--keys", str(trusted)),
            "does not verify", "changed after it was signed")


def test_signed_patch_goes_in_and_info_shows_it(suture, ticker, start, patch, keys):
    key, trusted = keys
    run([suture, "sign", str(key), str(patch)])
    info = run([suture, "info", "--keys", str(trusted), str(patch)]).stdout
    assert "signature: key " in info and ", good (" in info
    env = dict(os.environ, SUTURE_KEYS_DIR=str(trusted))
    t = start(ticker["prog"])
    r = run([suture, *apply_args(t, patch, "--require-signature")], env=env)
    assert "applied" in r.stdout
    assert is_answer_patch(t.next_values())


def test_trusted_key_writable_by_others_is_not_trusted(suture, ticker, start, patch, keys):
    key, trusted = keys
    run([suture, "sign", str(key), str(patch)])
    os.chmod(trusted / "signer.pub", 0o666)
    t = start(ticker["prog"])
    refused(suture, t, ticker["prog"],
            apply_args(t, patch, "--require-signature", "--keys", str(trusted)),
            "refusing a trusted key writable by everyone")


def test_keygen_and_sign_refuse_what_they_should(suture, tmp_path, patch, keys):
    key, _ = keys
    r = run([suture, "keygen", str(tmp_path / "signer")], check=False)
    assert r.returncode == 1 and "exists already" in r.stderr
    assert os.stat(key).st_mode & 0o777 == 0o600
    r = run([suture, "sign", str(tmp_path / "signer.pub"), str(patch)], check=False)
    assert r.returncode == 1 and "is not a suture secret key" in r.stderr
    before = patch.read_bytes()
    r = run([suture, "sign", str(key), "/dev/null"], check=False)
    assert r.returncode == 1 and "is a character device" in r.stderr
    assert patch.read_bytes() == before
    assert pathlib.Path("/dev/null").is_char_device()
