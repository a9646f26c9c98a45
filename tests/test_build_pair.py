"""A program and its own shared library patched together: one diff
touching both (make builds the program and libprice.so), one patch for two
target objects, which a PIE program and a library map terabytes apart.
The runtime places a copy of the patch near each (split.h); both fixes
are seen by the running program, in one switch, under each consistency
model, and the revert takes the process's memory back to what it was."""
import os
import signal
import subprocess
import time

import pytest

from buildutil import SUTURE_CC, build_patch, make_diff, project, running, snapshot
from conftest import run


@pytest.fixture(scope="module")
def pair(tmp_path_factory, suture):
    """The project built, and the patch of a fix to both of its files."""
    tmp_path = tmp_path_factory.mktemp("pair")
    tree = project("pair", tmp_path)
    run(["make", "-C", str(tree), f"CC={SUTURE_CC}"])
    before = snapshot(tree)
    diff = make_diff(tree, {"price.c": [("units * unit_price;", "units * unit_price + 1;")],
                            "main.c": [('"total %d\\n"', '"sum %d\\n"')]}, tmp_path)
    patch = tmp_path / "both.patch"
    report = build_patch(suture, tree, diff, patch).stdout
    assert f"target: {tree}/pair " in report and f"target: {tree}/libprice.so " in report
    # the string's newline written as C writes it: one line per function
    assert ('changed  function  report [reference] (main.c, pair): refers to the string '
            '"sum %d\\n" instead of the string "total %d\\n"\n') in report
    assert snapshot(tree) == before
    return tree, patch


def patch_memory(pid):
    """The anonymous and shared-memory mappings of process PID (a patch's
    copies and its gate pages), suture's state record aside."""
    lines = open(f"/proc/{pid}/maps").read().splitlines()
    return [line for line in lines
            if len(line.split()) < 6 or "/dev/zero" in line]


@pytest.mark.parametrize("model", ["thread", "stop", "none"])
def test_program_and_its_library_switch_together(pair, tmp_path, suture, model):
    tree, patch = pair
    out = tmp_path / "out.txt"
    with running(tree / "pair", out) as proc:
        memory_before = patch_memory(proc.pid)
        run([suture, "apply", "--consistency", model, str(proc.pid), str(patch)])
        # one copy near each object: two more code mappings, two gate pages
        assert len(patch_memory(proc.pid)) >= len(memory_before) + 4
        time.sleep(0.3)
        applied_at = len(out.read_text().splitlines())
        run([suture, "revert", str(proc.pid), "both"])
        assert patch_memory(proc.pid) == memory_before
        time.sleep(0.3)
    lines = out.read_text().splitlines()
    assert lines[0] == "total 30"
    # the program's fix (the word) and the library's (the price) together,
    # never one without the other
    assert lines[applied_at - 1] == "sum 31"
    assert set(lines) == {"total 30", "sum 31"}
    assert lines[-1] == "total 30"


def test_killed_at_the_switch_then_reverted(pair, tmp_path, suture):
    """suture killed right after the gate flipped: both objects run the
    new code (never one of them), status says so, and a revert cleans up
    both copies."""
    tree, patch = pair
    out = tmp_path / "out.txt"
    with running(tree / "pair", out) as proc:
        memory_before = patch_memory(proc.pid)
        env = dict(os.environ, SUTURE_FAULT="gate")
        killed = subprocess.run([suture, "apply", "--consistency", "stop", str(proc.pid),
                                 str(patch)], env=env, capture_output=True)
        assert killed.returncode == -signal.SIGKILL
        time.sleep(0.3)
        status = run([suture, "status", str(proc.pid)]).stdout
        assert "interrupted apply: the process runs the new code" in status
        assert out.read_text().splitlines()[-1] == "sum 31"
        run([suture, "revert", str(proc.pid), "both"])
        assert patch_memory(proc.pid) == memory_before
        time.sleep(0.3)
    lines = out.read_text().splitlines()
    assert set(lines) == {"total 30", "sum 31"} and lines[-1] == "total 30"


CALLBACK = '#include <suture/patch.h>\n{body}\nSUTURE_POST_PATCH(hello);\n'


def test_callback_of_a_split_patch(pair, tmp_path, suture):
    """Callbacks run in the copy near the program: one there (in main.c)
    runs; one that reads the library's private static (in price.c) cannot
    reach it and is refused, the process left as it was."""
    tree, _ = pair
    program = CALLBACK.format(body='static void hello(void) { puts("patched"); }')
    library = CALLBACK.format(body="static void hello(void) { unit_price++; }")
    fix = {"price.c": [("units * unit_price;", "units * unit_price + 1;")],
           "main.c": [('"total %d\\n"', '"sum %d\\n"')]}
    runs = make_diff(tree, {**fix, "main.c": fix["main.c"] + [("int main", program + "int main")]},
                     tmp_path / "runs")
    refused = make_diff(tree, {**fix, "price.c": fix["price.c"] + [("int price", library + "int price")]},
                        tmp_path / "refused")
    build_patch(suture, tree, runs, tmp_path / "runs.patch")
    build_patch(suture, tree, refused, tmp_path / "refused.patch")
    out = tmp_path / "out.txt"
    with running(tree / "pair", out) as proc:
        memory_before = patch_memory(proc.pid)
        r = run([suture, "apply", str(proc.pid), str(tmp_path / "refused.patch")], check=False)
        assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
        assert "callback hello of patch 'refused' uses" in r.stderr and "libprice.so" in r.stderr
        assert "one patch per object" in r.stderr
        assert patch_memory(proc.pid) == memory_before
        run([suture, "apply", str(proc.pid), str(tmp_path / "runs.patch")])
        time.sleep(0.3)
    lines = out.read_text().splitlines()
    assert lines.count("patched") == 1
    assert lines[-1] == "sum 31"
