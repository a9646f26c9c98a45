#!/usr/bin/env python3
"""Benchmark of a library fix rolled out to every process running it:
Debian's expat 2.5.0 built with suture-cc, the CVE-2024-45490 patch
(XML_ParseBuffer), `suture apply --consistency MODEL --all` and
`suture revert --all` over N processes of tests/expat/parse_load.c (four
parsing threads each, each pausing 200*N us between parses, so 20,000
parses a second in all; a probe every 20 ms), in a PID namespace of their
own so that --all is exactly those N processes.

    /usr/bin/python3 bench/expat_rollout.py [WORKDIR] [--runs R] [--sizes 10,100] [--models thread,stop]

Prints one Markdown table (for the README): for each model and N, the
median over R runs of the wall time of apply and of revert (the whole
`suture` command, from the shell), and the longest time a thread was
stopped in each process (suture's clock, SUTURE_TIMING=1, one figure per
process: the median over the N processes and the largest), for apply and
for revert.  Checks that every process saw the fix and no parse failed.
Builds into WORKDIR (default /tmp/suture-bench-expat), reusing a build
already there; nothing is written in the tree."""
import argparse
import os
import pathlib
import re
import shutil
import statistics
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import expatbuild  # noqa: E402

SUTURE = ROOT / "build" / "suture"
SUTURE_CC = ROOT / "build" / "suture-cc"


def built(work):
    """The build in WORK, made once."""
    if (work / "cve.o").exists() and (work / "parse_load").exists():
        return {"work": work, "lib": work / "lib", "patch": work / "cve.o",
                "program": work / "parse_load"}
    return expatbuild.build(work, SUTURE_CC, SUTURE)


def stops_per_process_ms(text, n):
    """The longest stop of each of the N processes (SUTURE_TIMING's
    per-process lines), in ms."""
    stops = [float(us) / 1000 for us in re.findall(r"^suture-timing: process \d+ stop-max-us=([\d.]+)$", text, re.M)]
    if len(stops) != n:
        raise SystemExit(f"expected the longest stop of {n} processes, found {len(stops)}:\n{text}")
    return stops


def fix_seen_everywhere(out, n):
    """Every process printed the fix (41) between apply and revert, and
    no process counted a failed parse."""
    phases = {line.split()[0]: list(map(int, line.split()[1:]))
              for line in (out / "phases.txt").read_text().splitlines()}
    for i in range(n):
        lines = (out / f"out{i + 1}.txt").read_text().splitlines()
        patched = lines[phases["applied"][i]:phases["reverting"][i]]
        if not patched or not all(line.startswith("probe 41 ") for line in patched):
            return False
        if any(not line.endswith(" failed 0") for line in lines if line.startswith("probe")):
            return False
    return True


def one_run(build, n, model, out):
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    # four parsing threads a process; the pause between parses grows with
    # N so that the machine's wake-ups stay near 20,000 a second
    env = dict(os.environ, SUTURE_TIMING="1", PARSE_THREADS="4", THINK_US=str(200 * n))
    rc = expatbuild.rollout(SUTURE, build, out, n, 2, env=env, timeout=900, model=model)
    if rc["apply"][0] != 0 or rc["revert"][0] != 0:
        raise SystemExit(f"{model}, N={n}: apply/revert failed:\n{(out / 'apply.txt').read_text()}"
                         f"{(out / 'revert.txt').read_text()}")
    if not fix_seen_everywhere(out, n):
        raise SystemExit(f"{model}, N={n}: the fix was not seen in every process, or a parse failed")
    result = {"apply_ms": rc["apply"][1], "revert_ms": rc["revert"][1]}
    for step in ("apply", "revert"):
        stops = stops_per_process_ms((out / f"{step}.txt").read_text(), n)
        result[f"{step}_stop_median"] = statistics.median(stops)
        result[f"{step}_stop_max"] = max(stops)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workdir", nargs="?", default="/tmp/suture-bench-expat")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="10,100")
    parser.add_argument("--models", default="thread,stop")
    args = parser.parse_args()
    work = pathlib.Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    build = built(work)
    print("| model | processes | runs | apply wall (ms) | revert wall (ms) "
          "| longest stop per process, apply: median / max (ms) | revert: median / max (ms) |")
    print("|---|---|---|---|---|---|---|")
    for model in args.models.split(","):
        for n in map(int, args.sizes.split(",")):
            runs = [one_run(build, n, model, work / f"run-{model}-{n}") for _ in range(args.runs)]
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print(f"| `{model}` | {n} | {args.runs} (median) | {med['apply_ms']:.0f} | {med['revert_ms']:.0f} "
                  f"| {med['apply_stop_median']:.2f} / {med['apply_stop_max']:.2f} "
                  f"| {med['revert_stop_median']:.2f} / {med['revert_stop_max']:.2f} |", flush=True)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
