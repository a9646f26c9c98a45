#!/usr/bin/env python3
"""Benchmark of `suture diff`: the object pair of a large translation unit
(sqlite's amalgamation, 240k lines, from Debian's sqlite3 source) with one
function changed, built with suture-cc at the default level.

    /usr/bin/python3 bench/diff_sqlite.py [WORKDIR]

Prints, for objects built with and without -g: the object sizes, the median
wall time and CPU time (user + system) of 5 runs of `suture diff ORIG.o
PATCHED.o -o OUT.o` and the largest peak memory (CPU and memory from
/usr/bin/time -v), and peak memory over the two objects' size.  On a shared
machine the CPU time is the steadier figure.  Downloads and builds into WORKDIR (default
/tmp/suture-bench-diff); nothing is written in the tree."""
import pathlib
import re
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import debsrc  # noqa: E402

SUTURE = ROOT / "build" / "suture"
SUTURE_CC = ROOT / "build" / "suture-cc"
ORIGINAL = "SQLITE_API int sqlite3_libversion_number(void){ return SQLITE_VERSION_NUMBER; }"
CHANGED = "SQLITE_API int sqlite3_libversion_number(void){ return SQLITE_VERSION_NUMBER + 1; }"
RUNS = 5


def amalgamation(work):
    src = debsrc.fetch_source("sqlite3", work)
    bld = work / "bld"
    if not (bld / "sqlite3.c").exists():
        bld.mkdir(exist_ok=True)
        subprocess.run([str(src / "configure")], cwd=bld, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["make", "-j2", "sqlite3.c"], cwd=bld, check=True, stdout=subprocess.DEVNULL)
    return bld / "sqlite3.c"


def build_pair(work, source, flags, tag):
    text = source.read_text()
    assert text.count(ORIGINAL) == 1, "the function to change is not in this sqlite"
    objs = []
    for side, body in (("orig", text), ("patched", text.replace(ORIGINAL, CHANGED))):
        d = work / f"{tag}-{side}"
        d.mkdir(exist_ok=True)
        (d / "sqlite3.c").write_text(body)
        obj = d / "sqlite3.o"
        if not obj.exists():
            subprocess.run([str(SUTURE_CC), "-fease-live-patching", "-O2", *flags, "-c",
                            "sqlite3.c", "-o", "sqlite3.o"], cwd=d, check=True)
        objs.append(obj)
    return objs


def measure(orig, patched, out):
    """Wall time from the clock around the run (/usr/bin/time -v rounds to
    10 ms), peak memory from /usr/bin/time -v."""
    times, cpus, peaks = [], [], []
    for _ in range(RUNS):
        start = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-v", str(SUTURE), "diff", str(orig),
                               str(patched), "-o", str(out)], capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"suture diff failed:\n{proc.stdout}{proc.stderr}")
        cpus.append(sum(float(re.search(rf"{kind} time \(seconds\): ([0-9.]+)", proc.stderr).group(1))
                        for kind in ("User", "System")))
        peaks.append(int(re.search(r"Maximum resident set size \(kbytes\): (\d+)",
                                   proc.stderr).group(1)))
    return statistics.median(times), statistics.median(cpus), max(peaks), proc.stdout


def main():
    work = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/suture-bench-diff")
    work.mkdir(parents=True, exist_ok=True)
    source = amalgamation(work)
    print(f"sqlite amalgamation: {sum(1 for _ in source.open())} lines")
    for tag, flags in (("g", ["-g"]), ("nog", [])):
        orig, patched = build_pair(work, source, flags, tag)
        size = orig.stat().st_size + patched.stat().st_size
        wall, cpu, peak_kb, report = measure(orig, patched, work / f"{tag}-patch.o")
        print(f"-O2 {' '.join(flags) or '(no -g)'}: objects {size / 2**20:.1f} MiB together; "
              f"suture diff -o: {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU "
              f"(medians of {RUNS}), "
              f"peak {peak_kb / 1024:.1f} MiB = {peak_kb * 1024 / size:.2f}x the objects; "
              f"report: {report.strip()}")


if __name__ == "__main__":
    main()
