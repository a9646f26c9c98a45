"""gdb through patch code (GDB's JIT interface, docs/runtime.md "gdb and
patch code"): a user who attaches gdb to a patched process sees the new
functions by name in every backtrace, with their callers below them, and
after a revert nothing of the patch.

The target is tests/runtime-progs/gdbjit.c, built with suture-cc: two
threads (main and a worker) call handle(); the patch's handle() waits in
patched_wait(), a function only the patch has, until SIGUSR1."""
import os
import random
import re
import shutil
import signal
import subprocess
import time

import pytest

from conftest import run
from schemacheck import run_json
from test_runtime import Target, build


@pytest.fixture(scope="module")
def gdbjit(suture, suture_cc, tmp_path_factory):
    return build(suture, tmp_path_factory.mktemp("gdbjit"), src_name="gdbjit.c", variants=["BLOCK", "REWAIT"],
                 cc=suture_cc)


def gdb_run(pid, *commands):
    """gdb -batch attached to PID, running COMMANDS."""
    cmd = ["gdb", "-nx", "-batch", "-iex", "set debuginfod enabled off", "-p", str(pid)]
    for c in commands:
        cmd += ["-ex", c]
    return run(cmd, timeout=120)


def gdb(pid, *commands):
    return gdb_run(pid, *commands).stdout


def thread_backtraces(text):
    """{thread number: [(function, pc), ...] innermost first}."""
    threads = {}
    for block in re.split(r"^Thread ", text, flags=re.M)[1:]:
        number = int(block.split()[0])
        frames = re.findall(r"^#\d+\s+(?:(0x[0-9a-f]+) in )?(\S+) \(", block, re.M)
        threads[number] = [(name, pc) for pc, name in frames]
    return threads


def names(frames):
    return [name for name, _ in frames]


def test_gdb_backtraces_through_a_patched_function_and_forgets_it_after_revert(suture, gdbjit, tmp_path):
    t = Target(gdbjit["prog"], (), tmp_path)
    try:
        before = thread_backtraces(gdb(t.pid, "thread apply all bt"))
        assert len(before) == 2 and not any("patched_wait" in names(f) for f in before.values())

        r = run([suture, "apply", str(t.pid), str(gdbjit["BLOCK"])])
        assert "warning" not in r.stderr, r.stderr
        assert "libsuture-gdbjit.so" in open(f"/proc/{t.pid}/maps").read()
        time.sleep(0.1)   # each thread enters the new handle() and waits there
        out = gdb(t.pid, "thread apply all bt")
        during = thread_backtraces(out)
        assert len(during) == 2, out
        tails = set()
        for frames in during.values():
            fn = names(frames)
            assert "patched_wait" in fn, out
            # the patch's two frames, then its callers down to the thread's start
            i = fn.index("patched_wait")
            assert fn[i + 1] == "handle", out
            tails.add(tuple(fn[i + 2:i + 4]))
        assert tails == {("serve", "start_thread"), ("serve", "main")}, out
        assert "Backtrace stopped" not in out, out

        # the pc in the new handle() is the patch's (not the program's) and gdb names it
        new_pc = next(pc for frames in during.values() for name, pc in frames if name == "handle")
        where = gdb(t.pid, f"info symbol {new_pc}", "info symbol handle", "disassemble patched_wait")
        assert re.search(r"^handle \+ \d+ in section \.text", where, re.M), where
        # its call of libc, out of rel32 reach, goes through a stub gdb names
        assert re.search(r"call +0x[0-9a-f]+ <nanosleep@plt>", where), where
        program_handle = re.search(r"^handle in section \.text of (\S+)", where, re.M)
        assert program_handle and program_handle.group(1).endswith("/prog"), where
        assert t.alive()

        os.kill(t.pid, signal.SIGUSR1)   # the new handle() returns again
        r = run([suture, "revert", str(t.pid), "block"])
        assert "warning" not in r.stderr, r.stderr
        out = gdb(t.pid, "thread apply all bt", f"info symbol {new_pc}")
        after = thread_backtraces(out)
        assert len(after) == 2 and not any("patched_wait" in names(f) for f in after.values()), out
        assert f"No symbol matches {new_pc}" in out, out
        # the library went with the last patch: the process is as it was
        assert "libsuture-gdbjit.so" not in open(f"/proc/{t.pid}/maps").read()
        assert t.alive()
    finally:
        t.kill()


def patch_functions(pid):
    """The patch functions gdb knows in PID: {name: count}."""
    out = gdb(pid, "info functions ^patched_wait")
    found = {}
    for name in re.findall(r"^0x[0-9a-f]+\s+(patched_wait\S*)$", out, re.M):
        found[name] = found.get(name, 0) + 1
    return found


def test_gdb_follows_stacked_replaced_and_reverted_patches(suture, gdbjit, tmp_path):
    """Each patch is one entry of gdb's list: a stacked patch adds its own,
    a --replace patch's apply removes those it superseded (from the middle
    and the end of the list), a revert its own."""
    cumulative = tmp_path / "cumulative.o"   # REWAIT again, under another name
    run([suture, "diff", str(gdbjit["orig.o"]), str(gdbjit["REWAIT"].parent / "rewait" / "unit.o"),
         "-o", str(cumulative)])
    t = Target(gdbjit["prog"], (), tmp_path)
    try:
        run([suture, "apply", str(t.pid), str(gdbjit["BLOCK"])])
        os.kill(t.pid, signal.SIGUSR1)
        run([suture, "apply", str(t.pid), str(gdbjit["REWAIT"])])
        assert patch_functions(t.pid) == {"patched_wait": 1, "patched_wait_again": 1}
        run([suture, "revert", str(t.pid), "rewait"])
        assert patch_functions(t.pid) == {"patched_wait": 1}
        run([suture, "apply", str(t.pid), str(gdbjit["REWAIT"])])
        r = run([suture, "apply", "--replace", str(t.pid), str(cumulative)])
        assert "warning" not in r.stderr, r.stderr
        assert patch_functions(t.pid) == {"patched_wait_again": 1}
        run([suture, "revert", str(t.pid), "cumulative"])
        assert patch_functions(t.pid) == {}
        assert "libsuture-gdbjit.so" not in open(f"/proc/{t.pid}/maps").read()
        assert t.alive()
    finally:
        t.kill()


def test_apply_without_the_library_warns_and_applies(suture, gdbjit, tmp_path):
    """A suture whose library is not installed (a copy of the binary on
    its own): the patch goes in all the same, with one warning."""
    lone = tmp_path / "suture"
    shutil.copy(suture, lone)
    t = Target(gdbjit["prog"], (), tmp_path)
    try:
        r = run([str(lone), "apply", str(t.pid), str(gdbjit["BLOCK"])])
        warnings = [line for line in r.stderr.splitlines() if "warning" in line]
        assert len(warnings) == 1, r.stderr
        assert re.match(rf"suture apply: warning: gdb will not know the code of patch 'block' in process "
                        rf"{t.pid}: \S+libsuture-gdbjit\.so is missing \(reinstall suture\)$", warnings[0]), r.stderr
        assert f"applied 'block' to process {t.pid}" in r.stdout
        time.sleep(0.1)
        # what gdb showed before this work: the patch's frames unnamed, the walk cut there
        out = gdb(t.pid, "thread apply all bt")
        assert "patched_wait" not in out and " in ?? ()" in out, out
        status = run([str(lone), "status", str(t.pid)]).stdout
        assert "block" in status, status
        assert "libsuture-gdbjit.so" not in open(f"/proc/{t.pid}/maps").read()
        os.kill(t.pid, signal.SIGUSR1)
        r = run([str(lone), "revert", str(t.pid), "block"])
        assert r.stderr == "", r.stderr
    finally:
        t.kill()


def test_killed_suture_leaves_gdb_a_list_it_can_read(suture, gdbjit, tmp_path):
    """SIGKILL suture at random points of applies and reverts (each takes
    about 100 ms, registering with gdb inside it): the process runs on,
    gdb attaches and reads the JIT list without complaint every time, and
    once everything is reverted it lists nothing that has no memory."""
    rnd = random.Random(9)
    t = Target(gdbjit["prog"], (), tmp_path)
    try:
        for i in range(8):
            patches = run_json([suture, "status", "--json", str(t.pid)])["processes"][0]["patches"]
            applied = any(p["state"] == "applied" for p in patches)
            cmd = ([suture, "revert", str(t.pid), "rewait"] if applied else
                   [suture, "apply", str(t.pid), str(gdbjit["REWAIT"])])
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rnd.uniform(0.02, 0.2))
            p.kill()
            p.wait()
            assert t.alive(), f"round {i}: the target died after {cmd[1]}"
            r = gdb_run(t.pid, "info functions ^patched_wait")
            assert "JIT" not in r.stderr and "Cannot access memory" not in r.stderr, (i, r.stderr)
            patches = run_json([suture, "status", "--json", str(t.pid)])["processes"][0]["patches"]
            if patches and patches[0]["state"] not in ("applied",):
                run([suture, "revert", str(t.pid), "rewait"])
        if any(p["state"] == "applied" for p in run_json(
                [suture, "status", "--json", str(t.pid)])["processes"][0]["patches"]):
            run([suture, "revert", str(t.pid), "rewait"])
        # what gdb still lists (a patch whose apply was killed between
        # loading and its record keeps its memory, unrecorded) is mapped
        out = gdb(t.pid, "info functions ^patched_wait")
        maps = open(f"/proc/{t.pid}/maps").read()
        for addr in re.findall(r"^(0x[0-9a-f]+)\s+patched_wait", out, re.M):
            a = int(addr, 16)
            assert any(int(lo, 16) <= a < int(hi, 16)
                       for lo, hi in re.findall(r"^([0-9a-f]+)-([0-9a-f]+) r-xp", maps, re.M)), (addr, maps)
        assert t.alive()
    finally:
        t.kill()
