#!/usr/bin/env python3
"""What a patch in two copies costs at apply and revert (split.h): the
program and its own library of tests/build-projects/pair, one patch for
both (two copies, one near each) against a patch of the library alone
(one copy).

    /usr/bin/python3 bench/split_apply.py [RUNS]

Builds the project with suture-cc in a temporary directory, makes the two
patches with suture build, starts the program, and RUNS times (default 20)
applies and reverts each with --consistency stop, timing each command's
wall time; prints the medians.  Nothing is written in the suture tree."""
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
SUTURE = str(ROOT / "build" / "suture")
SUTURE_CC = str(ROOT / "build" / "suture-cc")
PRICE = ("units * unit_price;", "units * unit_price + 1;")
WORD = ('"total %d\\n"', '"sum %d\\n"')


def sh(cmd, **kw):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"{' '.join(map(str, cmd))} exited {r.returncode}: {r.stderr}")
    return r


def patch_of(tree, work, name, edits):
    """suture build of EDITS {file: (old, new)} to TREE, as WORK/NAME.patch."""
    a, b = work / f"{name}-a", work / f"{name}-b"
    shutil.copytree(tree, a)
    shutil.copytree(tree, b)
    for rel, (old, new) in edits.items():
        (b / rel).write_text((b / rel).read_text().replace(old, new, 1))
    diff = subprocess.run(["diff", "-ru", a.name, b.name], cwd=work, capture_output=True,
                          text=True)
    (work / f"{name}.diff").write_text(diff.stdout.replace(f"{name}-a/", "a/")
                                       .replace(f"{name}-b/", "b/"))
    patch = work / f"{name}.patch"
    sh([SUTURE, "build", "-C", tree, "-o", patch, work / f"{name}.diff"])
    return patch


def timed(cmd):
    start = time.monotonic()
    sh(cmd)
    return time.monotonic() - start


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        tree = work / "pair"
        shutil.copytree(ROOT / "tests" / "build-projects" / "pair", tree)
        sh(["make", "-C", tree, f"CC={SUTURE_CC}"])
        patches = {"program + library (two copies)": patch_of(tree, work, "both",
                                                              {"price.c": PRICE, "main.c": WORD}),
                   "library alone (one copy)": patch_of(tree, work, "lib", {"price.c": PRICE})}
        proc = subprocess.Popen([str(tree / "pair")], stdout=subprocess.DEVNULL)
        try:
            time.sleep(0.3)
            for label, patch in patches.items():
                apply, revert = [], []
                for _ in range(runs):
                    apply.append(timed([SUTURE, "apply", "--consistency", "stop", proc.pid, patch]))
                    revert.append(timed([SUTURE, "revert", proc.pid, patch.stem]))
                print(f"{label}: apply {statistics.median(apply) * 1000:.1f} ms, "
                      f"revert {statistics.median(revert) * 1000:.1f} ms (medians of {runs})")
        finally:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main()
