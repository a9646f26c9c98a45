#!/usr/bin/env python3
"""Benchmark of `suture build`: Debian's redis 7.0.15 and its first
security fix (debian/patches/0001-Apply-security-fixes-for-CVEs-1113.patch),
the case of tests/test_build_redis.py, from a clean tree.

    /usr/bin/python3 bench/build_redis.py [WORKDIR [RUNS]]

Builds redis-server once with suture-cc (the program a user runs), keeps a
copy of it as the target, cleans the tree (make distclean), then runs
`suture build --target COPY` RUNS times (default 3) and prints the split of its wall
time that it reports itself: the original build (the whole project, from
clean), the patched build (the project's make after the diff), and the
rest (finding the units, compiling what make did not, comparing the
objects, writing the patch), with the rest as a share of the original
build; medians of the runs.  Downloads and builds into WORKDIR (default
/tmp/suture-bench-build); nothing is written in the suture tree."""
import json
import pathlib
import shutil
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import debsrc  # noqa: E402

SUTURE = ROOT / "build" / "suture"
SUTURE_CC = ROOT / "build" / "suture-cc"
FIX = "0001-Apply-security-fixes-for-CVEs-1113.patch"
BUILD = (f"make -C src -j2 redis-server CC={SUTURE_CC} OPTIMIZATION=-O2 "
         "'CFLAGS=-g -fease-live-patching' MALLOC=libc BUILD_TLS=no USE_SYSTEMD=no")
RUNS = 3


def main():
    work = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/suture-bench-build")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else RUNS
    work.mkdir(parents=True, exist_ok=True)
    tree, fix = debsrc.source_before_patch("redis", work, FIX)
    shipped = work / "shipped"
    if not (shipped / "redis-server").exists():
        subprocess.run(["sh", "-c", BUILD], cwd=tree, check=True, stdout=subprocess.DEVNULL)
        shipped.mkdir(exist_ok=True)
        shutil.copy2(tree / "src" / "redis-server", shipped / "redis-server")
    subprocess.run(["make", "distclean"], cwd=tree, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    figures = []
    for _ in range(runs):
        proc = subprocess.run([str(SUTURE), "build", "-C", str(tree), "--build", BUILD, "--json",
                               "--target", str(shipped / "redis-server"),
                               "-o", str(work / "fix.patch"), str(fix)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"suture build failed:\n{proc.stderr}")
        figures.append(json.loads(proc.stdout)["seconds"])
    original = statistics.median(f["original_build"] for f in figures)
    patched = statistics.median(f["patched_build"] for f in figures)
    rest = statistics.median(f["total"] - f["original_build"] - f["patched_build"]
                             for f in figures)
    print(f"redis 7.0.15, {runs} runs of suture build from a clean tree (medians):")
    print(f"  original build  {original:7.1f} s")
    print(f"  patched build   {patched:7.1f} s")
    print(f"  the rest        {rest:7.1f} s  ({100 * rest / original:.1f}% of the original build)")


if __name__ == "__main__":
    main()
