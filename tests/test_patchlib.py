"""Patches written with <suture/patch.h>, on a real process.

The target is tests/runtime-progs/conns.c: a table of connections served
in turn, whose main thread holds the table's lock most of the time.  The
patches are its PATCH_* variants, cut with `suture diff -o` as users make
them: callbacks (SUTURE_PRE_PATCH & co.) and shadow variables
(suture_shadow_*) straight from the header."""
import json
import os
import pathlib
import re
import subprocess
import time

import pytest

from conftest import run
from test_runtime import Target, build, snapshot_after_callbacks, ticker  # noqa: F401 (a fixture)

INCLUDE = pathlib.Path(__file__).resolve().parent.parent / "include"
VARIANTS = ["SHADOW", "SHADOW_NEXT", "SHADOW_ALL", "HANG", "STATIC"]
PROGS = pathlib.Path(__file__).resolve().parent / "runtime-progs"


@pytest.fixture(scope="module")
def conns(suture, tmp_path_factory):
    root = tmp_path_factory.mktemp("conns")
    # the program's second unit, with a static of its own
    limit = root / "conns_limit.o"
    run(["gcc", "-O2", "-c", str(PROGS / "conns_limit.c"), "-o", str(limit)])
    return build(suture, root, src_name="conns.c", extra=["-I", str(INCLUDE)], link=[str(limit)],
                 variants=VARIANTS)


@pytest.fixture
def target(conns, tmp_path):
    started = []

    def _start(env=None):
        if env:
            old = dict(os.environ)
            os.environ.update(env)
        try:
            t = Target(conns["prog"], (), tmp_path)
        finally:
            if env:
                os.environ.clear()
                os.environ.update(old)
        started.append(t)
        return t
    yield _start
    for t in started:
        t.kill()


def visits(text, by):
    """{conn id: [visit counts printed by the patch BY]}"""
    out = {}
    for m in re.finditer(rf"^conn (\d+) visits (-?\d+) by {by}$", text, re.M):
        out.setdefault(int(m.group(1)), []).append(int(m.group(2)))
    return out


def wait_visits(t, by, n=2):
    t.wait_for(rf"(^conn 3 visits -?\d+ by {by}\n(.*\n)*){{{n}}}")
    return visits(t.text(), by)


def served_more(t, timeout=10):
    """Waits until the program serves another round (it still runs)."""
    n = t.text().count("conn 3 served")
    deadline = time.time() + timeout
    while t.text().count("conn 3 served") <= n:
        assert time.time() < deadline and t.alive(), t.text()[-300:]
        time.sleep(0.05)


def apply(suture, pid, patch, *opts, check=True):
    return run([suture, "apply", "--consistency", "stop", *opts, str(pid), str(patch)], check=check)


def test_callbacks_allocate_print_and_wait_for_the_programs_lock(suture, conns, target):
    """The pre-patch callback runs in a thread of the program's own (not the
    one suture borrows), allocates, prints and takes a lock the main
    thread holds for 200 ms at a time (the main thread is the one suture
    borrows: it runs on while the callback waits); post-patch and
    post-unpatch run, the last one freeing the shadows with a destructor."""
    t = target()
    r = apply(suture, t.pid, conns["SHADOW"])
    assert f"applied 'shadow' to process {t.pid}" in r.stdout
    m = re.search(r"^pre-patch in thread (\d+): attached 3$", t.text(), re.M)
    assert m and int(m.group(1)) != t.pid
    assert "post-patch" in t.text()
    seen = wait_visits(t, "first")
    # every connection got its own counter from the constructor (100 x id)
    assert all(100 * c < v[0] < 100 * c + 50 for c, v in seen.items()) and sorted(seen) == [1, 2, 3]
    run([suture, "revert", str(t.pid), "shadow"])
    freed = dict((int(a), int(b)) for a, b in re.findall(r"^freed conn (\d+) at (\d+)$", t.text(), re.M))
    assert sorted(freed) == [1, 2, 3] and all(freed[c] >= seen[c][-1] for c in freed)
    t.wait_for(r"freed conn (.*\n)*conn 3 served \d+\n")


def test_failing_pre_patch_callback_changes_nothing(suture, conns, target):
    t = target({"CONNS_REFUSE": "1"})
    before = snapshot_after_callbacks(t.pid, conns["prog"])
    r = apply(suture, t.pid, conns["SHADOW"], check=False)
    assert r.returncode == 1
    assert r.stderr.strip().endswith(
        "the pre-patch callback 'attach_visits' of patch 'shadow' returned -1 in process "
        f"{t.pid}: the patch refuses this process; nothing was changed")
    assert snapshot_after_callbacks(t.pid, conns["prog"]) == before
    served_more(t)
    assert "visits" not in t.text() and "post-patch" not in t.text()
    st = json.loads(run([suture, "status", "--json", str(t.pid)]).stdout)
    assert not st["processes"] or st["processes"][0]["patches"] == []


def test_callback_that_never_returns_ends_at_the_timeout(suture, conns, target):
    t = target()
    start = time.monotonic()
    r = apply(suture, t.pid, conns["HANG"], "--timeout", "2", check=False)
    took = time.monotonic() - start
    assert r.returncode == 1, r
    m = re.search(r"the pre-patch callback 'never_returns' of patch 'hang' has not returned after 2 s "
                  rf"in process {t.pid} \(prog\): it is left running in thread (\d+)", r.stderr)
    assert m, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    # the thread named is the program's, still there; the program runs its old code
    assert pathlib.Path(f"/proc/{t.pid}/task/{m.group(1)}").exists()
    assert "hanging" in t.text()
    served_more(t)
    assert "by hang" not in t.text()
    st = json.loads(run([suture, "status", "--json", str(t.pid)]).stdout)
    assert not st["processes"] or all(p["state"] != "applied" for p in st["processes"][0]["patches"])
    assert took < 30


def test_static_of_another_unit_named_with_suture_static(suture, conns, target):
    """SUTURE_STATIC("conns_limit.c", limit) in the patch's source: suture
    diff records it as the local symbol of that unit, and the runtime finds
    it in the target's symbol table."""
    info = run([suture, "info", str(conns["STATIC"])]).stdout
    assert "limit (static, conns_limit.c) in the target object" in info
    t = target()
    apply(suture, t.pid, conns["STATIC"])
    t.wait_for(r"^conn 3 served \d+ of 42$")


def test_shadows_kept_across_stacked_and_cumulative_patches(suture, conns, target):
    """Shadows attached by one patch's callback are found by a patch
    stacked on it, again after that one is reverted, and by a --replace
    patch that supersedes the first: each counter goes on from where the
    previous code left it."""
    t = target()
    apply(suture, t.pid, conns["SHADOW"])
    first = wait_visits(t, "first")
    apply(suture, t.pid, conns["SHADOW_NEXT"])
    nxt = wait_visits(t, "next")
    for c in (1, 2, 3):
        assert nxt[c][0] > first[c][-1] and nxt[c][0] < 100 * c + 50, (first, nxt)
    run([suture, "revert", str(t.pid), "shadow_next"])
    t.wait_for(r"by next\n(.*\n)*conn 3 visits \d+ by first\n")
    again = visits(t.text(), "first")
    assert all(again[c][-1] > nxt[c][-1] for c in (1, 2, 3))
    apply(suture, t.pid, conns["SHADOW_ALL"], "--replace")
    cumulative = wait_visits(t, "cumulative")
    assert all(cumulative[c][0] > again[c][-1] for c in (1, 2, 3))
    assert "freed" not in t.text()   # a replaced patch is not unpatched


# --- the patch's own code unwinds -----------------------------------------

def test_backtrace_and_pthread_cancel_inside_a_patched_function(suture, tmp_path):
    """The patched work() calls backtrace(), which sees its caller below
    the patch's frame; a pthread_cancel of the thread sleeping in it runs
    the cleanup handler work() pushed (built with -fexceptions, that is a
    landing pad reached only through work()'s unwind information, with the
    patch's personality routine) and ends the thread cleanly."""
    b = build(suture, tmp_path, src_name="unwinds.c", extra=["-fexceptions"], link=["-rdynamic"],
              variants=["WORK"])
    t = Target(b["prog"], (), tmp_path)
    try:
        apply(suture, t.pid, b["WORK"], "--consistency", "none")
        t.wait_for(r"^patched work \d+: ")
        m = re.search(r"^patched work \d+: (\d+) frames, worker_loop (\w+)$", t.text(), re.M)
        assert m.group(2) == "seen" and int(m.group(1)) >= 4, t.text()[-300:]
        os.kill(t.pid, 10)   # SIGUSR1: the main thread cancels the worker
        t.wait_for(r"^joined$")
        assert "cleanup in patched work\njoined" in t.text()
        assert t.alive()
    finally:
        t.kill()


def test_thread_in_patch_code_holds_back_nothing_it_does_not_stand_on(suture, ticker, tmp_path):
    """A thread sleeps in the new inner() (patch memory) called by the old
    outer().  Under stop, the walk goes through the patch's frame: a patch
    of another function is applied and reverted at once (it used to wait
    for the thread: "in the code of patch 'inner', whose callers cannot be
    unwound"), and a patch of outer(), which is on that thread's stack,
    waits and names outer()."""
    t = Target(ticker["prog"], ("-w",), tmp_path)
    try:
        run([suture, "apply", "--consistency", "none", str(t.pid), str(ticker["INNER"])])
        time.sleep(0.05)   # the thread is in the new inner() now
        r = apply(suture, t.pid, ticker["ANSWER"], "--timeout", "2")
        assert f"applied 'answer' to process {t.pid}" in r.stdout
        run([suture, "revert", "--timeout", "2", str(t.pid), "answer"])
        r = apply(suture, t.pid, ticker["OUTER"], "--timeout", "0.3", check=False)
        assert r.returncode == 4, r.stderr
        assert re.search(r"thread \d+ \(prog\) is in outer", r.stderr), r.stderr
        assert "cannot be unwound" not in r.stderr
    finally:
        t.kill()


def test_shadow_functions_from_many_threads_at_once(tmp_path):
    """The header's code itself, outside suture: 8 threads share shadows
    (get_or_alloc constructs each exactly once), allocate and free shadows
    of their own on the same objects, and free_all's destructor sees every
    increment: no update lost, nothing left."""
    prog = tmp_path / "shadow_threads"
    run(["gcc", "-O2", "-pthread", "-Wall", "-Werror", "-I", str(INCLUDE),
         str(pathlib.Path(__file__).resolve().parent / "runtime-progs" / "shadow_threads.c"), "-o", str(prog)])
    for _ in range(5):   # races show on some runs only: 5 runs of 0.4 s
        out = run([str(prog)], timeout=60).stdout
        assert "constructed 64 (expected 64) sum 512000 (expected 512000)" in out, out
        assert "own-misses 0 (expected 0) left 0 (expected 0) stolen 0 (expected 0)" in out, out
