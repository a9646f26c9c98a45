"""The diff corpus: tests/diff-corpus/NAME/{orig.c,patched.c,expected.json}.

Each pair is compiled with real gcc through suture-cc at the default level
(inline-clone, entry padding, sections per function and datum, unit records), and `suture diff --json` must
report exactly the expected changed / new / removed functions and data, the
expected refusals and __LINE__-only moves, and the expected exit status.
When the diff succeeds, the patch it writes with -o must hold exactly the
changed functions, be read by `suture info` and link with `ld -r`."""
import json
import pathlib

import pytest

from conftest import run
from schemacheck import run_json, validated
from diffutil import SUTURE_CC, compile_pair

CORPUS = pathlib.Path(__file__).parent / "diff-corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.json").exists())


def test_corpus_is_big_enough():
    assert len(CASES) >= 40


def build(tmp_path, case, compiler=SUTURE_CC):
    """Both sides compile from one path, src/unit.c, as a tree is rebuilt
    after a change."""
    return compile_pair(tmp_path, (CORPUS / case / "orig.c").read_text(),
                        (CORPUS / case / "patched.c").read_text(), compiler=compiler)


def names(entries, state):
    return sorted(e["name"] if state != "new" else e["name"] for e in entries if e["state"] == state)


@pytest.mark.parametrize("case", CASES)
def test_corpus_case(tmp_path, suture, case):
    expected = json.loads((CORPUS / case / "expected.json").read_text())
    orig, patched = build(tmp_path, case)
    out = tmp_path / f"{case}.o"
    proc = run([suture, "diff", "--json", str(orig), str(patched), "-o", str(out)], check=False)
    assert proc.returncode == expected["exit"], proc.stderr
    report = validated("diff", proc.stdout)
    for kind in ("functions", "data"):
        for state in ("changed", "new", "removed"):
            assert names(report[kind], state) == expected[kind][state], (kind, state, report[kind])
    assert sorted(r["symbol"] for r in report["refusals"]) == expected["refused"]
    for refusal in report["refusals"]:
        assert refusal["reason"] and refusal["way_out"]
        assert f"cannot patch live: {refusal['symbol']}: " in proc.stderr
    assert sorted(n["name"] for n in report["line_only"]) == expected["line_only"]
    for name, reasons in expected.get("reasons", {}).items():
        entry = next(e for e in report["functions"] if e["name"] == name)
        assert set(reasons) <= set(entry["reasons"]), (name, entry)
    for name, reasons in expected.get("reasons_exact", {}).items():
        entry = next(e for e in report["functions"] if e["name"] == name)
        assert entry["reasons"] == reasons, (name, entry)

    if expected["exit"] != 0:
        assert not out.exists()
        assert report["patch"] is None
        return
    info = run_json([suture, "info", "--json", str(out)])
    replaced = expected.get("replaced", expected["functions"]["changed"])
    assert sorted(f["name"] for f in info["functions"]) == replaced
    assert sorted(info["new_functions"]) == expected.get("defined_new", expected["functions"]["new"])
    assert info["name"] == case
    run(["ld", "-r", str(out), "-o", str(tmp_path / "linked.o")])
    objdump = run(["objdump", "-dr", str(out)])
    assert objdump.stderr == ""
    readelf = run(["readelf", "-a", "-W", str(out)])
    assert readelf.stderr == "" and "warning" not in readelf.stdout.lower()
    defined = {line.split()[-1] for line in readelf.stdout.splitlines()
               if " FUNC " in line and " UND " not in line}
    for name in expected["functions"]["changed"] + expected["functions"]["new"]:
        assert name in defined
    for section in expected.get("sections", []):
        assert f"Disassembly of section {section}:" in objdump.stdout
