"""A real shared library: Debian's expat 2.5.0, built from its source
package with its own build system through suture-cc, and the fix for
CVE-2024-45490 from Debian's patch file (XML_ParseBuffer refuses a
negative length).  The fix moves every line below it by six, and a
__LINE__ is passed to the inlined accountingDiffTolerated() in a dozen
functions: the patch must hold XML_ParseBuffer alone.  Then three
processes of a program of our own parse with four threads each while the
patch goes in with `apply --all` and comes out with `revert --all`."""
import json
import pathlib
import re
import shutil
import subprocess

import pytest

import debsrc
from conftest import run

HERE = pathlib.Path(__file__).parent / "expat"
XML_ERROR_INVALID_ARGUMENT = 41


def configure_and_build(tree, suture_cc, cflags):
    run(["./buildconf.sh"], cwd=tree)
    run(["./configure", f"CC={suture_cc}", f"CFLAGS={cflags}", "--without-docbook",
         "--without-examples", "--without-tests", "--without-xmlwf"], cwd=tree)
    run(["make", "-C", "lib", "-j2"], cwd=tree)


@pytest.fixture(scope="module")
def expat(tmp_path_factory, suture_cc, suture):
    """libexpat.so without the fix (kept aside), xmlparse.o without and
    with it, and the patch `suture diff -o` makes of the two."""
    work = tmp_path_factory.mktemp("expat")
    source = pathlib.Path(debsrc.fetch_source("expat", work / "debsrc"))
    fix = source / "debian" / "patches" / "CVE-2024-45490.patch"
    assert "XML_ParseBuffer" in fix.read_text()
    tree = work / "tree"
    shutil.copytree(source / "expat", tree)
    # Debian's package applies the fix already: build without it first
    applied = subprocess.run(["patch", "-R", "-p2", "-s", "-f", "--dry-run", "-i", str(fix)],
                             cwd=tree, capture_output=True).returncode == 0
    if applied:
        run(["patch", "-R", "-p2", "-s", "-i", str(fix)], cwd=tree)
    original_source = (tree / "lib" / "xmlparse.c").read_text()
    configure_and_build(tree, suture_cc, "-O2 -g -fease-live-patching")
    lib = work / "lib"
    lib.mkdir()
    for so in (tree / "lib" / ".libs").glob("libexpat.so*"):
        shutil.copy(so, lib / so.name, follow_symlinks=False)
    shutil.copy(tree / "lib" / ".libs" / "xmlparse.o", work / "xmlparse-orig.o")

    run(["patch", "-p2", "-s", "-i", str(fix)], cwd=tree)
    run(["make", "-C", "lib", "-j2"], cwd=tree)   # compiles xmlparse.c again, only
    shutil.copy(tree / "lib" / ".libs" / "xmlparse.o", work / "xmlparse-fixed.o")
    fixed_source = (tree / "lib" / "xmlparse.c").read_text()
    assert fixed_source != original_source

    patch = work / "cve.o"
    proc = run([suture, "diff", "--json", str(work / "xmlparse-orig.o"),
                str(work / "xmlparse-fixed.o"), "-o", str(patch)])
    program = work / "parse_load"
    run(["gcc", "-O2", f"-I{tree / 'lib'}", str(HERE / "parse_load.c"), f"-L{lib}", "-lexpat",
         "-lpthread", "-o", str(program)])
    return {"work": work, "lib": lib, "patch": patch, "program": program,
            "report": json.loads(proc.stdout)}


def test_patch_holds_xml_parsebuffer_only(expat, suture):
    report = expat["report"]
    assert [(f["name"], f["state"]) for f in report["functions"]] == \
        [("XML_ParseBuffer", "changed")], report["functions"]
    assert report["data"] == [] and report["refusals"] == []
    # what only moved lines is named as such, the hot parsers among them
    line_only = {n["name"] for n in report["line_only"]}
    assert {"doContent", "doProlog"} <= line_only
    assert all("only __LINE__ moved" in n["detail"] for n in report["line_only"])
    info = json.loads(run([suture, "info", "--json", str(expat["patch"])]).stdout)
    assert [f["name"] for f in info["functions"]] == ["XML_ParseBuffer"]
    assert info["new_functions"] == []


def probes(path):
    """(probe code, parses, failed) of each line PROGRAM printed."""
    rows = []
    for line in path.read_text().splitlines():
        m = re.fullmatch(r"probe (-?\d+) parses (\d+) failed (\d+)", line)
        if m:
            rows.append(tuple(map(int, m.groups())))
    return rows


def test_apply_all_and_revert_all_under_load(expat, suture, tmp_path):
    """Three processes, four parsing threads each: the fix is observed in
    every process after `apply --all`, gone after `revert --all`, and no
    parse failed along the way."""
    out = tmp_path / "rollout"
    out.mkdir()
    # a PID namespace of its own: --all is these three processes, nobody else's
    run(["unshare", "--pid", "--fork", "--mount-proc", "--kill-child", "sh",
         str(HERE / "rollout.sh"), suture, str(expat["patch"]), str(expat["lib"]),
         str(expat["program"]), str(out), "3", "1"], timeout=300)
    rc = dict((line.split()[0], int(line.split()[1]))
              for line in (out / "rc.txt").read_text().splitlines())
    assert rc == {"apply": 0, "revert": 0}, \
        (out / "apply.txt").read_text() + (out / "revert.txt").read_text()
    assert "applied 'cve' to 3 processes" in (out / "apply.txt").read_text()
    status = (out / "status.txt").read_text()
    assert status.count("cve: applied (stop)") == 3 and status.count("XML_ParseBuffer") == 3
    phases = {line.split()[0]: list(map(int, line.split()[1:]))
              for line in (out / "phases.txt").read_text().splitlines()}
    for i in range(3):
        rows = probes(out / f"out{i + 1}.txt")
        before = rows[:phases["start"][i]]
        patched = rows[phases["applied"][i]:phases["reverting"][i]]
        after = rows[phases["reverted"][i]:]
        assert before and patched and after
        # the bug: a negative length is taken; the fix refuses it
        assert all(code != XML_ERROR_INVALID_ARGUMENT for code, _, _ in before)
        assert all(code == XML_ERROR_INVALID_ARGUMENT for code, _, _ in patched)
        assert all(code != XML_ERROR_INVALID_ARGUMENT for code, _, _ in after)
        # each process kept parsing, and no parse failed
        assert rows[-1][1] > rows[0][1] + 1000
        assert all(failed == 0 for _, _, failed in rows)
