#!/usr/bin/python3
"""The recompilation oracle of tests/test_impact_oracle.py, exhaustive:
every function of the hand-made corpus, of csmith programs and of Lua 5.4
files from Debian's source package, at every level, with both changes (a
volatile side effect; the first integer constant of the body).  Prints one
line per code base, change and level: functions tried, misses (must be 0),
average list length against the average number of functions that really
changed.

SUTURE_BUILD names another build directory (e.g. a copy, so that
rebuilding meanwhile does not disturb a long run).

usage: bench/impact-oracle.py [--workdir DIR] [--seeds N] [--lua FILE.c,...]
                              [--levels L,...] [--count N]
"""
import argparse
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "impact-corpus"))
import debsrc  # noqa: E402
import oracle  # noqa: E402
from test_impact_oracle import CORPUS_FILES, LUA_CFLAGS  # noqa: E402

BUILD = pathlib.Path(os.environ.get("SUTURE_BUILD", ROOT / "build"))
SUTURE = str(BUILD / "suture")
SUTURE_CC = str(BUILD / "suture-cc")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workdir", default="/tmp/suture-bench-oracle")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--lua", default="ltable.c,lstring.c,lstrlib.c,lapi.c")
    ap.add_argument("--levels", default=",".join(oracle.LEVELS))
    ap.add_argument("--count", type=int, default=None, help="sample this many per code base")
    args = ap.parse_args()
    work = pathlib.Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)

    bases = [oracle.CodeBase("corpus", [ROOT / "tests" / "impact-corpus" / f
                                        for f in CORPUS_FILES], work / "corpus")]
    seeds = []
    for seed in range(1, args.seeds + 1):
        out = work / f"csmith{seed}.c"
        subprocess.run(["csmith", "--seed", str(seed), "--max-funcs", "16", "--no-safe-math",
                        "-o", str(out)], check=True, capture_output=True, cwd=work)
        seeds.append(out)
    if seeds:
        bases.append(oracle.CodeBase("csmith", seeds, work / "csmith",
                                     include_dirs=[ROOT / "tests" / "impact-corpus" / "csmith"],
                                     cflags=["-w"]))
    if args.lua:
        lua = pathlib.Path(debsrc.fetch_source("lua5.4", work / "debsrc")) / "src"
        (work / "lua").mkdir(exist_ok=True)
        (work / "lua" / "lua5.4-deb-multiarch.h").write_text(
            '#define DEB_HOST_MULTIARCH "x86_64-linux-gnu"\n')
        bases.append(oracle.CodeBase("lua", [lua / f for f in args.lua.split(",")],
                                     work / "lua", cflags=LUA_CFLAGS))
    for base in bases:
        for run in (oracle.run_oracle, oracle.run_constant_oracle):
            for level in args.levels.split(","):
                start = time.time()
                result = run(SUTURE, SUTURE_CC, base, level, args.count)
                print(oracle.format_result(result), f"({time.time() - start:.0f} s)",
                      flush=True)
                for name, missing in result["misses"]:
                    print(f"  MISS {name}: {' '.join(missing)}", flush=True)


if __name__ == "__main__":
    main()
