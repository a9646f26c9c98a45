"""Unit records (docs/unit-records.md): written by suture-cc into objects,
carried by the linker into executables and shared libraries, read back by
the parser suture impact and audit use (src/cc/unit_record.c, through the
suture-units-dump test helper)."""
import json
import subprocess

from conftest import BUILD, run

MAIN = "int helper(int x);\nint main(void) { return helper(1) - 3; }\n"
HELPER = """static int triple(int x) { return 3 * x; }
int helper(int x) { return triple(x); }
"""


def units(path):
    out = run([str(BUILD / "suture-units-dump"), str(path)]).stdout
    return json.loads(out)


def test_record_of_one_object(suture_cc, tmp_path):
    (tmp_path / "helper.c").write_text(HELPER)
    run([suture_cc, "-O2", "-c", "helper.c", "-o", "h.o", "-fease-live-patching=inline"],
        cwd=tmp_path)
    [rec] = units(tmp_path / "h.o")
    assert rec["source"] == "helper.c"
    assert rec["directory"] == str(tmp_path)
    assert rec["output"] == "h.o"
    assert rec["level"] == "inline"
    assert rec["gcc"] == run(["gcc", "-dumpfullversion"]).stdout.strip()
    assert rec["padding"] == "prefix16"
    assert rec["args"] == ["-O2", "-c", "helper.c", "-o", "h.o", "-fease-live-patching=inline"]
    assert rec["added"][:5] == ["-flive-patching=inline-clone", "-fno-ipa-cp",
                                "-fno-ipa-cp-clone", "-fno-ipa-sra", "-fno-partial-inlining"]
    assert rec["added"][-1] == "-fpatchable-function-entry=16,16"
    # GCC's own dump, verbatim: triple was inlined into helper.
    assert any(line.startswith("Callgraph clone;triple;") and line.endswith("inlining to")
               and ";helper;" in line for line in rec["ipa_clones"])
    # The dump went to a private file, not next to the object.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.o", "helper.c"]


def test_linked_executable_holds_one_record_per_unit(suture_cc, tmp_path):
    (tmp_path / "main.c").write_text(MAIN)
    (tmp_path / "helper.c").write_text(HELPER)
    run([suture_cc, "-O2", "-fease-live-patching", "main.c", "helper.c", "-o", "prog"],
        cwd=tmp_path)
    recs = units(tmp_path / "prog")
    assert sorted(r["source"] for r in recs) == ["helper.c", "main.c"]
    assert all(r["output"] == "prog" and r["level"] == "inline-clone" for r in recs)
    # strip keeps the records (they are neither debug information nor symbols)
    run(["strip", "prog"], cwd=tmp_path)
    assert len(units(tmp_path / "prog")) == 2
    assert subprocess.run([str(tmp_path / "prog")]).returncode == 0


def test_shared_library_holds_the_records(suture_cc, tmp_path):
    (tmp_path / "helper.c").write_text(HELPER)
    run([suture_cc, "-O2", "-fPIC", "-shared", "-fease-live-patching=none",
         "helper.c", "-o", "libh.so"], cwd=tmp_path)
    [rec] = units(tmp_path / "libh.so")
    assert rec["level"] == "none" and rec["output"] == "libh.so"


def test_file_without_records_has_none(tmp_path):
    (tmp_path / "helper.c").write_text(HELPER)
    run(["gcc", "-O2", "-c", "helper.c"], cwd=tmp_path)
    assert units(tmp_path / "helper.o") == []


def test_other_record_version_is_refused(suture_cc, tmp_path):
    (tmp_path / "helper.c").write_text(HELPER)
    run(["gcc", "-c", "helper.c"], cwd=tmp_path)
    (tmp_path / "rec").write_bytes(b"suture-unit 7\nsource x.c\n\0")
    run(["objcopy", "--add-section", ".suture.units=rec", "helper.o"], cwd=tmp_path)
    proc = run([str(BUILD / "suture-units-dump"), "helper.o"], cwd=tmp_path, check=False)
    assert proc.returncode == 1
    assert "unit record version 7 is not supported" in proc.stderr
