"""__LINE__ moves in objects built without -g: told from real changes only
with the source diff the fix was made from (`--source-diff`), and never
when the diff or the code says it could be a real change."""
import json
import subprocess

import pytest

from conftest import run
from diffutil import compile_pair
from test_diff_corpus import CORPUS

@pytest.fixture
def cc_no_g(suture_cc):
    return [suture_cc, "-fease-live-patching", "-O2"]


def labelled_diff(tmp_path, old_text, new_text):
    """The fix as `git diff` would show it: a/src/unit.c -> b/src/unit.c."""
    (tmp_path / "old.c").write_text(old_text)
    (tmp_path / "new.c").write_text(new_text)
    out = subprocess.run(["diff", "-u", "--label", "a/src/unit.c", "--label", "b/src/unit.c",
                          str(tmp_path / "old.c"), str(tmp_path / "new.c")],
                         capture_output=True, text=True).stdout
    path = tmp_path / "fix.diff"
    path.write_text(out)
    return path


def source_diff(tmp_path, case):
    return labelled_diff(tmp_path, (CORPUS / case / "orig.c").read_text(),
                         (CORPUS / case / "patched.c").read_text())


def diff(suture, orig, patched, *extra):
    proc = run([suture, "diff", "--json", *extra, str(orig), str(patched)], check=False)
    assert proc.returncode in (0, 3), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


LINE_ONLY = {
    "line_macro_logging": ["open_it"],
    "line_shift_assert": ["get", "put"],
    "line_passed_to_inlined_helper": ["parse_one"],
    "line_in_multiline_call_inlined": ["do_content", "do_prolog"],
    "line_in_inlined_callee_body": ["last_slot"],
}


@pytest.mark.parametrize("case", sorted(LINE_ONLY))
def test_line_moves_without_g(tmp_path, suture, cc_no_g, case):
    orig, patched = compile_pair(tmp_path, (CORPUS / case / "orig.c").read_text(),
                                 (CORPUS / case / "patched.c").read_text(), compiler=cc_no_g)
    assert ".debug_line" not in run(["readelf", "-SW", str(orig)]).stdout
    # without line tables and without the source diff: reported, the safe side
    status, report = diff(suture, orig, patched)
    assert status == 0
    assert sorted(f["name"] for f in report["functions"]) == LINE_ONLY[case]
    # with the source diff: only __LINE__ moved
    status, report = diff(suture, orig, patched, "--source-diff", str(source_diff(tmp_path, case)))
    assert status == 3, report
    assert sorted(n["name"] for n in report["line_only"]) == LINE_ONLY[case]
    assert all("by the source diff" in n["detail"] for n in report["line_only"])


@pytest.mark.parametrize("case,changed", [
    # a constant moved by as much as the lines did: written in the diff
    ("constant_change_is_not_a_line_shift", ["timeout"]),
    # a constant equal to its line, changed by more than the lines moved
    ("line_like_constant_changed", ["check"]),
    # a line move beside a real change in another function
    ("line_shift_with_real_change", ["put"]),
])
def test_real_changes_stay_changes_without_g(tmp_path, suture, cc_no_g, case, changed):
    orig, patched = compile_pair(tmp_path, (CORPUS / case / "orig.c").read_text(),
                                 (CORPUS / case / "patched.c").read_text(), compiler=cc_no_g)
    status, report = diff(suture, orig, patched, "--source-diff", str(source_diff(tmp_path, case)))
    assert status == 0
    assert sorted(f["name"] for f in report["functions"]) == changed


def test_constant_not_passed_to_a_call_is_a_change(tmp_path, suture, cc_no_g):
    """The diff inserts two lines above an unchanged line 3, and the value
    returned there goes from 3 to 5, exactly as line 3 moved; but it is
    returned, not passed to a call: no __LINE__ argument, so a change.  The
    same move of a value passed to a call is taken for a __LINE__."""
    text = "int limit(void)\n{\n\treturn VALUE;\n}\n"
    call = "int log_line(int);\nint limit(void)\n{\n\treturn log_line(VALUE);\n}\n"
    for source, old, new, status_wanted in ((text, "3", "5", 0), (call, "4", "6", 3)):
        fix = labelled_diff(tmp_path, source, "/* one */\n/* two */\n" + source)
        assert "@@ -1," in fix.read_text() and "+/* two */" in fix.read_text()
        orig, patched = compile_pair(tmp_path, source.replace("VALUE", old),
                                     "/* one */\n/* two */\n" + source.replace("VALUE", new),
                                     compiler=cc_no_g)
        status, report = diff(suture, orig, patched, "--source-diff", str(fix))
        assert status == status_wanted, report
        moved = report["line_only"] if status == 3 else report["functions"]
        assert [f["name"] for f in moved] == ["limit"]


def test_source_diff_errors(tmp_path, suture):
    empty = tmp_path / "empty.diff"
    empty.write_text("not a diff\n")
    proc = run([suture, "diff", "--source-diff", str(empty), "a.o", "b.o"], check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (f"suture diff: {empty} holds no hunk of a unified diff; give the "
                                   "diff the fix was made from (diff -u, git diff)")
    proc = run([suture, "diff", "--source-diff", str(tmp_path / "missing.diff"), "a.o", "b.o"],
               check=False)
    assert proc.returncode == 1 and "cannot read the source diff" in proc.stderr
