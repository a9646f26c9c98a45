"""suture build --sign KEY: the patch it writes is signed with the key of
suture keygen, the same signature suture sign gives, so apply
--require-signature takes it when the key is trusted and refuses it when
it is not; a key that cannot be used is refused before anything is
built."""
import shutil
import time

from buildutil import build_patch, make_diff, running, snapshot
from conftest import run
from test_build import counter  # noqa: F401


def key_pair(suture, directory, name):
    run([suture, "keygen", str(directory / name)])
    return directory / f"{name}.key"


def test_signed_build_goes_in_only_with_a_trusted_key(counter, tmp_path, suture):  # noqa: F811
    signer = key_pair(suture, tmp_path, "signer")
    stranger = key_pair(suture, tmp_path, "stranger")
    trusted = tmp_path / "trusted"
    trusted.mkdir()
    shutil.copy(tmp_path / "signer.pub", trusted)
    diff = make_diff(counter, {"util.c": [("adjust(x) * 2", "adjust(x) * 3")]}, tmp_path)
    good, bad = tmp_path / "good.patch", tmp_path / "bad.patch"
    build_patch(suture, counter, diff, good, "--sign", str(signer))
    build_patch(suture, counter, diff, bad, "--sign", str(stranger))
    info = run([suture, "info", "--keys", str(trusted), str(good)]).stdout
    assert "signature: key " in info and ", good (" in info

    out = tmp_path / "out.txt"
    with running(counter / "prog", out) as proc:
        apply = ["apply", "--consistency", "stop", "--require-signature", "--keys", str(trusted),
                 str(proc.pid)]
        r = run([suture, *apply, str(bad)], check=False)
        assert r.returncode == 1 and "not among the trusted keys" in r.stderr, r.stderr
        time.sleep(0.2)
        refused_at = len(out.read_text().splitlines())
        run([suture, *apply, str(good)])
        time.sleep(0.3)
    values = [int(line.split()[1]) for line in out.read_text().splitlines()]
    # value = (i + 2) * 2 until the signed patch went in, (i + 2) * 3 after
    assert values[refused_at - 1] == (refused_at - 1 + 2) * 2
    assert values[-1] == (len(values) - 1 + 2) * 3


def test_unusable_key_refused_before_building(counter, tmp_path, suture):  # noqa: F811
    before = snapshot(counter)
    (tmp_path / "not-a-key").write_text("hello\n")
    diff = make_diff(counter, {"util.c": [("* 2", "* 3")]}, tmp_path)
    patch = tmp_path / "fix.patch"
    for key, says in [(tmp_path / "missing.key", "missing.key"),
                      (tmp_path / "not-a-key", "is not a suture secret key")]:
        r = build_patch(suture, counter, diff, patch, "--sign", str(key), check=False)
        assert r.returncode == 1, r.stderr
        assert says in r.stderr and r.stderr.count("\n") == 1, r.stderr
        assert "original build" not in r.stdout + r.stderr
    assert not patch.exists()
    assert snapshot(counter) == before
