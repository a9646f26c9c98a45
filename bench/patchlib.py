#!/usr/bin/python3
"""What <suture/patch.h> costs.  Prints Markdown (for the README).

    /usr/bin/python3 bench/patchlib.py [--runs N]

1. shadow: ns per call of suture_shadow_get (existing shadow, missing
   one), get_or_alloc (existing), and an alloc + free pair, 1000 objects
   with a shadow each, with 1 thread and 2 threads at once (bench/shadow.c;
   the best of --runs).
2. callbacks: wall time of `suture apply` and `suture revert` (stop) of
   tests/runtime-progs/conns.c's SHADOW patch (a pre-patch and a post-patch
   callback, each in a thread of its own; a post-unpatch on revert) against
   SHADOW_NEXT (the same kind of patch without callbacks), the median of
   --runs.  Both register their .eh_frame with the process's libgcc.

Patches are made with build/suture diff, in a temporary directory.
"""
import argparse
import os
import pathlib
import re
import statistics
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
SUTURE = str(ROOT / "build" / "suture")
INCLUDE = str(ROOT / "include")
FLAGS = ["-O2", "-g", "-ffunction-sections", "-fdata-sections", "-flive-patching=inline-clone",
         "-fpatchable-function-entry=5", "-I", INCLUDE]


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, check=True, **kw)


def shadow(work, runs):
    prog = work / "shadowbench"
    sh(["gcc", "-O2", "-pthread", "-I", INCLUDE, str(ROOT / "bench" / "shadow.c"), "-o", str(prog)])
    best = {}
    for _ in range(runs):
        for line in sh([str(prog), "2"]).stdout.splitlines():
            fields = dict(f.split("=") for f in line.split())
            n = fields.pop("threads")
            for k, v in fields.items():
                best[(n, k)] = min(best.get((n, k), 1e9), float(v))
    print("| threads | get (exists) | get (missing) | get_or_alloc (exists) | alloc + free |")
    print("|---|---|---|---|---|")
    for n in ("1", "2"):
        print(f"| {n} | " + " | ".join(f"{best[(n, k)]:.0f} ns" for k in
                                       ("get-hit", "get-miss", "get_or_alloc-hit", "alloc+free")) + " |")


def build(work):
    src = ROOT / "tests" / "runtime-progs" / "conns.c"
    out = {}
    for v in ("", "SHADOW", "SHADOW_NEXT"):
        d = work / (v.lower() or "orig")
        d.mkdir()
        (d / "conns.c").write_text(src.read_text())
        sh(["gcc", *FLAGS, *([f"-DPATCH_{v}"] if v else []), "-c", str(d / "conns.c"), "-o", str(d / "unit.o")])
    sh(["gcc", "-pthread", str(work / "orig" / "unit.o"), "-o", str(work / "prog")])
    for v in ("shadow", "shadow_next"):
        sh([SUTURE, "diff", str(work / "orig" / "unit.o"), str(work / v / "unit.o"), "-o", str(work / f"{v}.o")])
    return work / "prog"


def timed(cmd):
    start = time.monotonic()
    sh(cmd)
    return (time.monotonic() - start) * 1000


def callbacks(work, runs):
    prog = build(work)
    rows = []
    for name in ("shadow", "shadow_next"):
        applies, reverts = [], []
        for _ in range(runs):
            p = subprocess.Popen([str(prog)], stdout=subprocess.DEVNULL)
            try:
                time.sleep(0.3)
                applies.append(timed([SUTURE, "apply", "--consistency", "stop", str(p.pid), str(work / f"{name}.o")]))
                reverts.append(timed([SUTURE, "revert", str(p.pid), name]))
            finally:
                p.kill()
                p.wait()
        rows.append((name, statistics.median(applies), statistics.median(reverts)))
    print("| patch | callbacks | apply | revert |")
    print("|---|---|---|---|")
    for name, a, r in rows:
        cbs = "pre-patch, post-patch; post-unpatch" if name == "shadow" else "none"
        print(f"| {name} | {cbs} | {a:.1f} ms | {r:.1f} ms |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        shadow(work, args.runs)
        print()
        callbacks(work, args.runs)


if __name__ == "__main__":
    main()
