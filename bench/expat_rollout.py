#!/usr/bin/env python3
"""Benchmark of a library fix rolled out to every process running it:
Debian's expat 2.5.0 built with suture-cc, the CVE-2024-45490 patch
(XML_ParseBuffer), `suture apply --consistency stop --all` and
`suture revert --all` over N processes of tests/expat/parse_load.c (four
parsing threads each, each pausing 200*N us between parses, so 20,000
parses a second in all; a probe every 20 ms), in a PID namespace of their
own so that --all is exactly those N processes.

    /usr/bin/python3 bench/expat_rollout.py [WORKDIR] [--runs R] [--sizes 10,100]

Prints, for each N, the median over R runs of the wall time of apply and of
revert (the whole `suture` command, from the shell), the longest time any
thread was stopped (suture's clock, SUTURE_TIMING=1: the largest over all
N processes, so a bound on each process's longest stop), and checks that
every process saw the fix and no parse failed.  Builds into WORKDIR
(default /tmp/suture-bench-expat), reusing a build already there; nothing
is written in the tree."""
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


def longest_stop_us(text):
    m = re.search(r"longest-stop-us=([\d.]+)", text)
    return float(m.group(1)) if m else float("nan")


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


def one_run(build, n, out):
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    # four parsing threads a process; the pause between parses grows with
    # N so that the machine's wake-ups stay near 20,000 a second
    env = dict(os.environ, SUTURE_TIMING="1", PARSE_THREADS="4", THINK_US=str(200 * n))
    rc = expatbuild.rollout(SUTURE, build, out, n, 2, env=env, timeout=900)
    if rc["apply"][0] != 0 or rc["revert"][0] != 0:
        raise SystemExit(f"N={n}: apply/revert failed:\n{(out / 'apply.txt').read_text()}"
                         f"{(out / 'revert.txt').read_text()}")
    if not fix_seen_everywhere(out, n):
        raise SystemExit(f"N={n}: the fix was not seen in every process, or a parse failed")
    return {"apply_ms": rc["apply"][1], "revert_ms": rc["revert"][1],
            "apply_stop_us": longest_stop_us((out / "apply.txt").read_text()),
            "revert_stop_us": longest_stop_us((out / "revert.txt").read_text())}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("workdir", nargs="?", default="/tmp/suture-bench-expat")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="10,100")
    args = parser.parse_args()
    work = pathlib.Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    build = built(work)
    print("| processes | apply wall (ms) | revert wall (ms) | longest stop, apply (ms) "
          "| longest stop, revert (ms) |")
    print("|---|---|---|---|---|")
    for n in map(int, args.sizes.split(",")):
        runs = [one_run(build, n, work / f"run-{n}") for _ in range(args.runs)]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(f"| {n} | {med['apply_ms']:.0f} | {med['revert_ms']:.0f} "
              f"| {med['apply_stop_us'] / 1000:.2f} | {med['revert_stop_us'] / 1000:.2f} |",
              flush=True)


if __name__ == "__main__":
    main()
