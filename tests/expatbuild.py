"""Debian's expat 2.5.0 built with suture-cc by its own build system
(autotools), without and with the fix for CVE-2024-45490 from Debian's
patch file, and the patch `suture diff -o` cuts from the two builds of
xmlparse.o.  Shared by tests/test_diff_expat.py and bench/expat_rollout.py.

    build(workdir, suture_cc, suture) -> dict of paths and the diff report

workdir/lib holds libexpat.so without the fix (what the processes run),
workdir/cve.o the patch, workdir/parse_load the program of
tests/expat/parse_load.c linked with that library."""
import json
import pathlib
import shutil
import subprocess

import debsrc

HERE = pathlib.Path(__file__).parent / "expat"


def _run(cmd, cwd=None):
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} exited {proc.returncode}\n"
                             f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return proc


def _configure_and_make(tree, suture_cc):
    _run(["./buildconf.sh"], cwd=tree)
    _run(["./configure", f"CC={suture_cc}", "CFLAGS=-O2 -g -fease-live-patching",
          "--without-docbook", "--without-examples", "--without-tests", "--without-xmlwf"],
         cwd=tree)
    _run(["make", "-C", "lib", "-j2"], cwd=tree)


def build(work, suture_cc, suture):
    work = pathlib.Path(work)
    source = pathlib.Path(debsrc.fetch_source("expat", work / "debsrc"))
    fix = source / "debian" / "patches" / "CVE-2024-45490.patch"
    assert "XML_ParseBuffer" in fix.read_text()
    tree = work / "tree"
    shutil.rmtree(tree, ignore_errors=True)
    shutil.copytree(source / "expat", tree)
    # Debian's package applies the fix already: build without it first
    applied = subprocess.run(["patch", "-R", "-p2", "-s", "-f", "--dry-run", "-i", str(fix)],
                             cwd=tree, capture_output=True).returncode == 0
    if applied:
        _run(["patch", "-R", "-p2", "-s", "-i", str(fix)], cwd=tree)
    _configure_and_make(tree, suture_cc)
    lib = work / "lib"
    shutil.rmtree(lib, ignore_errors=True)
    lib.mkdir()
    for so in (tree / "lib" / ".libs").glob("libexpat.so*"):
        shutil.copy(so, lib / so.name, follow_symlinks=False)
    shutil.copy(tree / "lib" / ".libs" / "xmlparse.o", work / "xmlparse-orig.o")

    _run(["patch", "-p2", "-s", "-i", str(fix)], cwd=tree)
    _run(["make", "-C", "lib", "-j2"], cwd=tree)   # compiles xmlparse.c again, only
    shutil.copy(tree / "lib" / ".libs" / "xmlparse.o", work / "xmlparse-fixed.o")

    patch = work / "cve.o"
    report = _run([str(suture), "diff", "--json", str(work / "xmlparse-orig.o"),
                   str(work / "xmlparse-fixed.o"), "-o", str(patch)]).stdout
    program = work / "parse_load"
    _run(["gcc", "-O2", f"-I{tree / 'lib'}", str(HERE / "parse_load.c"), f"-L{lib}", "-lexpat",
          "-lpthread", "-o", str(program)])
    return {"work": work, "lib": lib, "patch": patch, "program": program,
            "report": json.loads(report)}


def rollout(suture, built, outdir, processes, settle_seconds, env=None, timeout=300, model="stop"):
    """Runs tests/expat/rollout.sh in a PID namespace of its own, so that
    `--all` means the processes it starts (apply with --consistency
    MODEL); returns {"apply": (rc, ms), "revert": (rc, ms)}."""
    subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "--kill-child", "sh",
                    str(HERE / "rollout.sh"), str(suture), str(built["patch"]),
                    str(built["lib"]), str(built["program"]), str(outdir), str(processes),
                    str(settle_seconds), model], check=True, timeout=timeout, env=env)
    result = {}
    for line in (pathlib.Path(outdir) / "rc.txt").read_text().splitlines():
        step, rc, ms = line.split()
        result[step] = (int(rc), int(ms))
    return result
