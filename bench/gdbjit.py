#!/usr/bin/python3
"""What telling gdb about a patch costs (docs/runtime.md, "gdb and patch
code").  Prints Markdown (for the README).

    /usr/bin/python3 bench/gdbjit.py [--runs N]

tests/runtime-progs/gdbjit.c (two threads calling handle()), built with
build/suture-cc; its REWAIT patch (a new handle() and a new helper) cut
with build/suture diff.  For each of --runs fresh processes: `suture apply`
of it, a second apply of the same patch under another name (stacked: the
library is loaded by then), and the two reverts (the last one unloads the
library), each timed by the wall clock and by SUTURE_TIMING's longest
thread stop; once with build/suture, once with a copy of it that has no
library beside it (gdb not told: the warning path).  Medians.
"""
import argparse
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
SUTURE = ROOT / "build" / "suture"
SUTURE_CC = str(ROOT / "build" / "suture-cc")
SRC = ROOT / "tests" / "runtime-progs" / "gdbjit.c"


def sh(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=True, **kw)


def build(work):
    units = {}
    for v in ("", "REWAIT"):
        d = work / (v.lower() or "orig")
        d.mkdir()
        shutil.copy(SRC, d / "gdbjit.c")
        units[v] = d / "unit.o"
        sh([SUTURE_CC, "-O2", "-g", "-fease-live-patching", *([f"-DPATCH_{v}"] if v else []),
            "-c", d / "gdbjit.c", "-o", units[v]])
    sh(["gcc", "-pthread", units[""], "-o", work / "prog"])
    for name in ("first", "second"):
        sh([SUTURE, "diff", units[""], units["REWAIT"], "-o", work / f"{name}.o"])
    return work / "prog", work / "first.o", work / "second.o"


def timed(cmd):
    env = dict(os.environ, SUTURE_TIMING="1")
    start = time.perf_counter()
    r = sh(cmd, env=env)
    wall = (time.perf_counter() - start) * 1000
    stop = float(re.search(r"longest-stop-us=([\d.]+)", r.stderr).group(1)) / 1000
    return wall, stop


def one_process(suture, prog, first, second):
    p = subprocess.Popen([str(prog)], stdout=subprocess.PIPE, text=True)
    p.stdout.readline()   # ready
    pid = str(p.pid)
    try:
        return {
            "apply, first patch": timed([suture, "apply", pid, first]),
            "apply, second patch": timed([suture, "apply", pid, second]),
            "revert, second patch": timed([suture, "revert", pid, "second"]),
            "revert, last patch": timed([suture, "revert", pid, "first"]),
        }
    finally:
        p.kill()
        p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    runs = ap.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        prog, first, second = build(work)
        lone = work / "lone" / "suture"
        lone.parent.mkdir()
        shutil.copy(SUTURE, lone)
        results = {"gdb told": [], "gdb not told": []}
        for _ in range(runs):
            results["gdb told"].append(one_process(SUTURE, prog, first, second))
            results["gdb not told"].append(one_process(lone, prog, first, second))
    print("| step | gdb told: wall (ms) | longest stop (ms) | gdb not told: wall (ms) | longest stop (ms) |")
    print("|---|---|---|---|---|")
    for step in results["gdb told"][0]:
        cells = []
        for arm in ("gdb told", "gdb not told"):
            for i in (0, 1):
                cells.append(f"{statistics.median(r[step][i] for r in results[arm]):.1f}")
        print(f"| {step} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
