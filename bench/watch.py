#!/usr/bin/python3
"""How long after its exec `suture watch` has patched a starting process,
and after a dlopen a process that maps its target library later.  Prints a
Markdown table (for the README).

    /usr/bin/python3 bench/watch.py [--runs N] [--suture PATH]   # as root; about a minute

The programs and patches of tests/store-progs (built with build/suture-cc,
patches cut with build/suture diff, installed with --target in a temporary
store): answer() in the program itself, in a library linked at start, in a
library dlopen'ed at a request.  Each case is started --runs times while
build/suture watch runs; the figures are watch's own log lines: from the
kernel's timestamp of the exec event (PROC_EVENT_EXEC, CLOCK_MONOTONIC) to
the end of the apply; for the dlopen, from the program's CLOCK_MONOTONIC
just before dlopen() to the end of the apply.  Also the time of one
`suture apply` (the `thread` model, as watch) of the same patch to the
same, already running, program: the part of the total that is the apply
itself.  Each row: median, 90th percentile, minimum and maximum.

--suture PATH measures another build of suture (an older commit's, to
compare); the programs and patches are still made with build/suture-cc.
"""
import argparse
import os
import pathlib
import re
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from conftest import run  # noqa: E402
from storeutil import Service, Watch, build_programs  # noqa: E402

SUTURE = str(ROOT / "build" / "suture")


def figures(values):
    p90 = statistics.quantiles(values, n=10, method="inclusive")[8] if len(values) > 1 else values[0]
    return f"{statistics.median(values):.1f} | {p90:.1f} | {min(values):.1f} | {max(values):.1f}"


PATCHED = (r"^patched process {pid} .* ([0-9.]+) ms after .*"
           r"\(seen ([0-9.]+), loader ([0-9.]+), apply ([0-9.]+) ms[;)]")


def bench_start(watch, program, tmp, runs, parts):
    """Total times; PARTS gets the seen/loader/apply parts of each."""
    times = []
    for i in range(runs):
        svc = Service(program, tmp / f"s{i}.sock")
        try:
            m = watch.wait_for(PATCHED.format(pid=svc.pid))
            times.append(float(m.group(1)))
            parts.append([float(m.group(k)) for k in (2, 3, 4)])
        finally:
            svc.stop()
    return times


def bench_dlopen(watch, progs, tmp, runs):
    times = []
    for i in range(runs):
        svc = Service(progs / "service-late", tmp / f"l{i}.sock")
        try:
            reply = svc.answer(f"load {progs / 'libanswer.so'}")
            called = float(reply.split()[1])
            m = watch.wait_for(rf"^patched process {svc.pid} .*\[monotonic ([0-9.]+)\]")
            times.append((float(m.group(1)) - called) * 1000)
        finally:
            svc.stop()
    return times


def bench_apply(suture, progs, tmp, runs):
    times = []
    for i in range(runs):
        svc = Service(progs / "service", tmp / f"a{i}.sock")
        try:
            t0 = time.monotonic()
            run([suture, "apply", str(svc.pid), str(progs / "fix-answer")])
            times.append((time.monotonic() - t0) * 1000)
        finally:
            svc.stop()
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--suture", default=SUTURE, help="the suture to measure (default: build/suture)")
    args = ap.parse_args()
    suture = args.suture
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        (tmp / "progs").mkdir()
        progs = build_programs(SUTURE, tmp / "progs")
        env = dict(os.environ, SUTURE_STORE=str(tmp / "store"))
        run([suture, "install", "--target", progs / "service", progs / "fix-answer"], env=env)
        run([suture, "install", "--target", progs / "libanswer.so", progs / "fix-libanswer"], env=env)
        watch = Watch(suture, env)
        exe_parts, lib_parts = [], []
        try:
            rows = [
                ("program is the target: from exec", bench_start(watch, progs / "service", tmp, args.runs,
                                                                 exe_parts)),
                ("library linked at start: from its open", bench_start(watch, progs / "service-lib", tmp,
                                                                       args.runs, lib_parts)),
                ("library dlopen'ed later: from the dlopen call", bench_dlopen(watch, progs, tmp, args.runs)),
            ]
        finally:
            watch.stop()
        for label, parts in (("program", exe_parts), ("library at start", lib_parts)):
            for k, part in enumerate(("until watch looks", "loader (and build check)", "apply")):
                rows.append((f"{label}: {part}", [p[k] for p in parts]))
        rows.append(("`suture apply` alone, same patch, running program (wall)",
                     bench_apply(suture, progs, tmp, args.runs)))
    print(f"| case ({args.runs} runs) | median (ms) | p90 (ms) | min (ms) | max (ms) |")
    print("|---|---|---|---|---|")
    for label, values in rows:
        print(f"| {label} | {figures(values)} |")
    print(f"\nload average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
