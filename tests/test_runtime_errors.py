"""suture apply refuses bad input with one clear line, exit 1, and leaves
the process as it was: its maps, the bytes of its code, its behaviour."""
import os
import pathlib
import shutil
import tempfile

import pytest

from conftest import CORE_LIBS, run
from schemacheck import run_json
from test_runtime import build, compile_unit, is_original, snapshot, start, ticker  # noqa: F401


def refused(suture, t, prog, args, *expect):
    before = snapshot(t.pid, prog)
    r = run([suture, *args], check=False)
    assert r.returncode == 1, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for e in expect:
        assert e in lines[0], lines[0]
    assert snapshot(t.pid, prog) == before, "the process was changed"
    assert is_original(t.next_values())
    return lines[0]


def test_wrong_pid(suture, ticker):
    r = run([suture, "apply", "--consistency", "stop", "4194000", str(ticker["ANSWER"])], check=False)
    assert r.returncode == 1
    assert "no process with PID 4194000" in r.stderr
    r = run([suture, "apply", "--consistency", "stop", "12x", str(ticker["ANSWER"])], check=False)
    assert r.returncode == 2 and "'12x' is not a process ID" in r.stderr


def test_kernel_thread(suture, ticker):
    kthreadd = pathlib.Path("/proc/2/comm")
    if not kthreadd.exists() or kthreadd.read_text().strip() != "kthreadd":
        pytest.skip("no kernel thread visible in this PID namespace")
    r = run([suture, "apply", "--consistency", "stop", "2", str(ticker["ANSWER"])], check=False)
    assert r.returncode == 1
    assert "PID 2 is a kernel thread" in r.stderr


def test_no_permission(suture, ticker, start, request):
    """The target runs as root; suture runs as nobody."""
    if not shutil.which("setpriv"):
        pytest.skip("setpriv is not installed")
    t = start(ticker["prog"])
    # a directory nobody can read (pytest's own are private to root)
    shared = pathlib.Path(tempfile.mkdtemp(prefix="suture-perm-"))
    request.addfinalizer(lambda: shutil.rmtree(shared, ignore_errors=True))
    os.chmod(shared, 0o755)
    patch = shared / "p.o"
    shutil.copy(ticker["ANSWER"], patch)
    os.chmod(patch, 0o644)
    exe = shared / "suture"
    shutil.copy(suture, exe)
    os.chmod(exe, 0o755)
    before = snapshot(t.pid, ticker["prog"])
    r = run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", str(exe), "apply",
             "--consistency", "stop", str(t.pid), str(patch)], check=False)
    assert r.returncode == 1, r.stderr
    assert f"no permission to trace process {t.pid} (prog)" in r.stderr
    assert "as root" in r.stderr
    assert snapshot(t.pid, ticker["prog"]) == before
    assert is_original(t.next_values())


def test_corrupt_patch(suture, ticker, start, tmp_path):
    t = start(ticker["prog"])
    bad = tmp_path / "garbage.o"
    bad.write_bytes(os.urandom(4096))
    refused(suture, t, ticker["prog"], ["apply", "--consistency", "stop", str(t.pid), str(bad)],
            str(bad))


def test_truncated_patch(suture, ticker, start, tmp_path):
    t = start(ticker["prog"])
    data = pathlib.Path(ticker["ANSWER"]).read_bytes()
    cut = tmp_path / "cut.o"
    cut.write_bytes(data[:len(data) // 2])
    refused(suture, t, ticker["prog"], ["apply", "--consistency", "stop", str(t.pid), str(cut)],
            str(cut))


def test_missing_patch_file(suture, ticker, start, tmp_path):
    t = start(ticker["prog"])
    refused(suture, t, ticker["prog"],
            ["apply", "--consistency", "stop", str(t.pid), str(tmp_path / "nope.o")], "nope.o")


def test_unresolvable_symbol(suture, ticker, start):
    t = start(ticker["prog"])
    refused(suture, t, ticker["prog"],
            ["apply", "--consistency", "stop", str(t.pid), str(ticker["UNDEFINED"])],
            "symbol 'suture_test_no_such_function' is not defined by any object of process")


def test_patch_for_another_build(suture, ticker, start, tmp_path):
    """A program whose answer() adds 5: the patch's old bytes do not match."""
    other = build(suture, tmp_path / "other", extra=["-DORIG_ADD=5"], variants=[])
    t = start(other["prog"])
    refused(suture, t, other["prog"],
                   ["apply", "--consistency", "stop", str(t.pid), str(ticker["ANSWER"])],
                   "function 'answer'", "differs from what the patch expects at +0x",
                   "the patch is for another build")


def test_function_without_padding(suture, tmp_path, start):
    """A program built without entry padding cannot be patched."""
    root = tmp_path / "nopad"
    for d, extra in (("orig", []), ("new", ["-DPATCH_ANSWER"])):
        (root / d).mkdir(parents=True)
        src = root / d / "ticker.c"
        src.write_text((pathlib.Path(__file__).parent / "runtime-progs" / "ticker.c").read_text())
        run(["gcc", "-O2", "-g", "-ffunction-sections", "-fdata-sections",
             "-flive-patching=inline-clone", *extra, "-c", str(src), "-o", str(root / d / "unit.o")])
    prog = root / "prog"
    run(["gcc", "-pthread", str(root / "orig" / "unit.o"), "-o", str(prog)])
    patch = root / "nopad.o"
    run([suture, "diff", str(root / "orig" / "unit.o"), str(root / "new" / "unit.o"), "-o", str(patch)])
    t = start(prog)
    refused(suture, t, prog, ["apply", "--consistency", "stop", str(t.pid), str(patch)],
            "function 'answer'", "has no entry padding", "rebuild with suture-cc -fease-live-patching")


def test_same_patch_twice(suture, ticker, start):
    """Applying a patch a process already runs changes nothing and is no
    error (a rollout run twice), and the process keeps one copy."""
    t = start(ticker["prog"])
    run([suture, "apply", "--consistency", "stop", str(t.pid), str(ticker["ANSWER"])])
    before = pathlib.Path(f"/proc/{t.pid}/maps").read_text()
    r = run([suture, "apply", "--consistency", "stop", str(t.pid), str(ticker["ANSWER"])])
    assert f"nothing to do: 'answer' already runs in process {t.pid} (prog)" in r.stdout
    assert pathlib.Path(f"/proc/{t.pid}/maps").read_text() == before
    st = run_json([suture, "status", "--json", str(t.pid)])
    assert [p["name"] for p in st["processes"][0]["patches"]] == ["answer"]


def test_usage_errors(suture, ticker):
    for args in (["apply"], ["apply", "--consistency", "fast", "1", "p.o"], ["apply", "1"],
                 ["revert", "1"], ["apply", "--timeout", "soon", "1", "p.o"], ["status", "1", "x"],
                 ["apply", "1", "--all", "p.o"]):
        r = run([suture, *args], check=False)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.startswith(f"suture {args[0]}: "), r.stderr


@pytest.fixture(scope="module")
def merge_parts(tmp_path_factory):
    """The driver of patch_merge() that tests/test_patchfile_merge.py uses:
    it makes a patch that names its object's build-id, as suture build will."""
    root = pathlib.Path(__file__).resolve().parent.parent
    build_dir = pathlib.Path(os.environ.get("SUTURE_BUILD", root / "build"))
    exe = tmp_path_factory.mktemp("driver") / "merge_parts"
    run(["gcc", "-I", str(root / "src"), str(root / "tests" / "patchmerge" / "merge_parts.c"),
         str(build_dir / "libsuture-core.a"), *CORE_LIBS, "-o", str(exe)])
    return str(exe)


def test_patch_for_another_build_id(suture, ticker, start, tmp_path, merge_parts):
    """A patch that names a build-id: applied to its build it works; to a
    process running another build of the same program it is refused, naming
    both build-ids."""
    import re
    bid = re.search(r"Build ID: ([0-9a-f]+)",
                    run(["readelf", "-n", str(ticker["prog"])]).stdout).group(1)
    good = tmp_path / "fix.o"
    run([merge_parts, str(good), "fix", "prog", bid, str(ticker["ANSWER"])])
    t = start(ticker["prog"])
    run([suture, "apply", "--consistency", "stop", str(t.pid), str(good)])
    st = run([suture, "status", str(t.pid)]).stdout
    assert f"fix: applied (stop), {ticker['prog']} build-id {bid}" in st

    wrong = tmp_path / "wrong.o"
    other_bid = "00" * 20
    run([merge_parts, str(wrong), "wrong", "prog", other_bid, str(ticker["ANSWER"])])
    t2 = start(ticker["prog"])
    refused(suture, t2, ticker["prog"], ["apply", "--consistency", "stop", str(t2.pid), str(wrong)],
            "the patch is for another build of prog", f"it wants build-id {other_bid}",
            f"maps build-id {bid}")
