"""A real shared library: Debian's expat 2.5.0, built from its source
package with its own build system through suture-cc, and the fix for
CVE-2024-45490 from Debian's patch file (XML_ParseBuffer refuses a
negative length).  The fix moves every line below it by six, and a
__LINE__ is passed to the inlined accountingDiffTolerated() in a dozen
functions: the patch must hold XML_ParseBuffer alone.  Then three
processes of a program of our own parse with four threads each while the
patch goes in with `apply --all` and comes out with `revert --all`."""
import json
import re

import pytest

import expatbuild
from conftest import run

XML_ERROR_INVALID_ARGUMENT = 41


@pytest.fixture(scope="module")
def expat(tmp_path_factory, suture_cc, suture):
    """libexpat.so without the fix, and the patch of the fix (expatbuild.py)."""
    return expatbuild.build(tmp_path_factory.mktemp("expat"), suture_cc, suture)


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
    rc = expatbuild.rollout(suture, expat, out, 3, 1)
    assert {step: code for step, (code, _) in rc.items()} == {"apply": 0, "revert": 0}, \
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
