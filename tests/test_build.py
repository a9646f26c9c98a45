"""suture build on projects of our own (tests/build-projects/): one with
make and a static archive, one with CMake and a shared library of its
own.  Each test checks what a user would see: the patch applied to the
running program, the refusals, the exit status, and the source tree left
exactly as it was."""
import json
import os
import signal
import subprocess
import time

import pytest

from buildutil import SUTURE_CC, build_patch, lines_across_apply, make_diff, project, snapshot
from conftest import run


@pytest.fixture
def counter(tmp_path):
    """The make project, built with suture-cc as a user would."""
    tree = project("counter", tmp_path)
    run(["make", "-C", str(tree), f"CC={SUTURE_CC}"])
    return tree


def test_fix_in_a_static_archive_applied_live(counter, tmp_path, suture):
    before = snapshot(counter)
    diff = make_diff(counter, {"util.c": [("adjust(x) * 2", "adjust(x) * 3")]}, tmp_path)
    patch = tmp_path / "fix.patch"
    report = build_patch(suture, counter, diff, patch, "--target", str(counter / "prog")).stdout
    assert "compiled again: util.c\n" in report
    assert "changed  function  util_scale [code] (util.c, prog)" in report
    assert snapshot(counter) == before

    lines = lines_across_apply(suture, counter / "prog", patch, tmp_path)
    # value = (i + 2) * 2 before, (i + 2) * 3 after: the archive's code changed
    first, last = lines[0].split(), lines[-1].split()
    assert int(first[1]) == 2 * 2
    assert int(last[1]) == (len(lines) - 1 + 2) * 3, lines[-3:]


def test_header_change_rebuilds_every_unit_that_includes_it(counter, tmp_path, suture):
    """make here knows no header dependency: suture build must find the
    units itself, compile all of them, and patch every function that
    inlined the changed code."""
    before = snapshot(counter)
    diff = make_diff(counter, {"common.h": [("#define OFFSET 1", "#define OFFSET 100")]},
                     tmp_path)
    patch = tmp_path / "offset.patch"
    report = json.loads(build_patch(suture, counter, diff, patch, "--json").stdout)
    assert sorted(report["compiled_again"]) == ["calc.c", "main.c", "util.c"]
    changed = {f["name"] for f in report["functions"]}
    assert {"calc", "util_scale"} <= changed
    assert report["targets"][0].startswith(str(counter / "prog") + " ")
    assert snapshot(counter) == before

    lines = lines_across_apply(suture, counter / "prog", patch, tmp_path)
    # calc(i) = util_scale(adjust(i)) = (i + 2*OFFSET) * 2 in both units
    last = lines[-1].split()
    assert int(last[1]) == (len(lines) - 1 + 200) * 2


def test_comment_above_a_line_macro_is_no_functional_change(counter, tmp_path, suture):
    """Two lines added above util_line(), which returns __LINE__: the #line
    directives keep every line below the hunk where it was, so nothing
    changes (not even a __LINE__ that suture diff would have to explain)
    and nothing is written."""
    before = snapshot(counter)
    diff = make_diff(counter, {"util.c": [("static int limits",
                                           "/* The limits,\n * documented. */\nstatic int limits")]},
                     tmp_path)
    patch = tmp_path / "none.patch"
    proc = build_patch(suture, counter, diff, patch, "--json", check=False)
    assert proc.returncode == 3, proc.stderr
    report = json.loads(proc.stdout)
    assert report["functional_change"] is False and report["patch"] is None
    assert report["compiled_again"] == ["util.c"]
    assert report["functions"] == [] and report["line_only"] == []
    assert not patch.exists()
    assert snapshot(counter) == before


@pytest.mark.parametrize("edit, symbol, reason", [
    ({"util.c": [("1000000, 2000000", "1000000, 2000001")]}, "limits", "initial value"),
    ({"common.h": [("int calls;", "int calls;\n\tint extra;")]}, "stats", "size of data"),
], ids=["initialised-data", "struct-layout"])
def test_change_that_cannot_be_patched_live_is_refused(counter, tmp_path, suture, edit, symbol,
                                                       reason):
    before = snapshot(counter)
    diff = make_diff(counter, edit, tmp_path)
    patch = tmp_path / "refused.patch"
    proc = build_patch(suture, counter, diff, patch, check=False)
    assert proc.returncode == 1
    assert f": {symbol}: " in proc.stderr and reason in proc.stderr
    assert "way out:" in proc.stderr and "not written" in proc.stderr
    assert not patch.exists()
    assert snapshot(counter) == before


def test_target_the_tree_does_not_reproduce_is_refused(counter, tmp_path, suture):
    """The running program was built with -O2; the tree now says -O1."""
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "prog").write_bytes((counter / "prog").read_bytes())
    run(["make", "-C", str(counter), "clean"])
    makefile = counter / "Makefile"
    makefile.write_text(makefile.read_text().replace("-O2", "-O1"))
    before = snapshot(counter)
    diff = make_diff(counter, {"util.c": [("* 2", "* 3")]}, tmp_path)
    patch = tmp_path / "fix.patch"
    proc = build_patch(suture, counter, diff, patch, "--target", str(shipped / "prog"),
                       check=False)
    assert proc.returncode == 1
    err = proc.stderr
    assert "does not reproduce" in err and str(shipped / "prog") in err
    assert "options differ" in err and "'-O1' where the target had '-O2'" in err
    assert err.count("\n") == 1
    assert not patch.exists()
    assert snapshot(counter) == before


def test_failed_build_leaves_the_tree_as_it_was(counter, tmp_path, suture):
    before = snapshot(counter)
    diff = make_diff(counter, {"calc.c": [("stats.calls++;", "stats.calls++ +;")]}, tmp_path)
    patch = tmp_path / "broken.patch"
    proc = build_patch(suture, counter, diff, patch, check=False)
    assert proc.returncode == 1
    assert "the patched build failed" in proc.stderr and "calc.c" in proc.stderr
    assert not patch.exists()
    assert snapshot(counter) == before


def test_sigint_during_the_build_leaves_the_tree_as_it_was(counter, tmp_path, suture):
    """Interrupted while the patched tree builds (its build command waits
    when it sees the fix), as Ctrl-C would."""
    before = snapshot(counter)
    diff = make_diff(counter, {"util.c": [("* 2", "* 7")]}, tmp_path)
    patch = tmp_path / "fix.patch"
    marker = tmp_path / "patched-build-started"
    cmd = f"make && if grep -q '\\* 7' util.c; then touch {marker}; sleep 60; fi"
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = subprocess.Popen([suture, "build", "-C", str(counter), "--build", cmd,
                             "-o", str(patch), str(diff)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert marker.exists(), proc.communicate()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 1
    assert "interrupted" in err
    assert not patch.exists()
    assert snapshot(counter) == before
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith("suture-build.")]
    assert leftovers == []


@pytest.fixture
def greeter(tmp_path):
    """The CMake project: app and its own libgreet.so."""
    tree = project("greeter", tmp_path)
    run(["cmake", "-S", str(tree), "-B", str(tree / "build"), f"-DCMAKE_C_COMPILER={SUTURE_CC}",
         "-DCMAKE_C_FLAGS=-O2 -g -fease-live-patching"])
    run(["cmake", "--build", str(tree / "build")])
    return tree


def test_cmake_fix_in_own_shared_library_applied_live(greeter, tmp_path, suture):
    before = snapshot(greeter)
    diff = make_diff(greeter, {"greet.c": [("x + 1;", "x + 1000;")]}, tmp_path)
    patch = tmp_path / "greet.patch"
    report = build_patch(suture, greeter, diff, patch, "--build", "cmake --build build").stdout
    # found without --target: the library is what holds the changed unit
    assert f"target: {greeter}/build/libgreet.so " in report
    assert "changed  function  greet_weight [code]" in report
    assert snapshot(greeter) == before

    lines = lines_across_apply(suture, greeter / "build" / "app", patch, tmp_path)
    numbers = [int(line.split()[1]) - i for i, line in enumerate(lines)]
    assert numbers[0] == 1 and numbers[-1] == 1000


def test_cmake_program_and_its_library_in_one_patch(greeter, tmp_path, suture):
    before = snapshot(greeter)
    diff = make_diff(greeter, {"greet.c": [("x + 1;", "x + 1000;")],
                               "app.c": [('"hello"', '"patched"')]}, tmp_path)
    patch = tmp_path / "both.patch"
    build_patch(suture, greeter, diff, patch, "--build", "cmake --build build",
                "--target", str(greeter / "build" / "app"),
                "--target", str(greeter / "build" / "libgreet.so"))
    info = json.loads(run([suture, "info", "--json", str(patch)]).stdout)
    assert sorted(o["name"] for o in info["objects"]) == ["app", "libgreet.so"]
    assert all(o["build_id"] for o in info["objects"])
    assert sorted(f["name"] for f in info["functions"]) == ["app_word", "greet_weight"]
    assert snapshot(greeter) == before

    # applied live: the program's word and the library's number change
    # together (the runtime puts a copy of the patch near each object)
    lines = lines_across_apply(suture, greeter / "build" / "app", patch, tmp_path)
    pairs = [(line.split()[0], int(line.split()[1]) - i) for i, line in enumerate(lines)]
    assert pairs[0] == ("hello", 1) and pairs[-1] == ("patched", 1000)
    assert set(pairs) == {("hello", 1), ("patched", 1000)}


def test_progress_on_a_terminal(counter, tmp_path, suture):
    """On a terminal, each step shows on one line that the next overwrites."""
    import pty
    diff = make_diff(counter, {"util.c": [("* 2", "* 3")]}, tmp_path)
    patch = tmp_path / "fix.patch"
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(suture, [suture, "build", "-C", str(counter), "-o", str(patch), str(diff)])
    seen = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    text = seen.decode()
    assert "\rsuture build: original build: make" in text.replace("\x1b[K", "")
    assert "suture build: object of util.c (patched)" in text
    assert "patch: " + str(patch) in text
