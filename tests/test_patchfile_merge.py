"""Merging the parts `suture diff -o` cut from several units of a program
into one patch for the program (what `suture build` does), applied to the
running program."""
import re

import pytest

from conftest import output_across_apply, BUILD, CORE_LIBS, ROOT, run
from diffutil import SUTURE_CC
from schemacheck import run_json

A = r"""
#include <stdio.h>
static int hits;
static __attribute__((noinline)) int helper(int x) { hits++; return x + 1; }
__attribute__((noinline)) int api_a(int x) { return helper(x) * 2 + hits * 0; }
"""
B = r"""
#include <stdio.h>
int api_a(int);
static __attribute__((noinline)) int helper(int x) { return x - 1; }
__attribute__((noinline)) int api_b(int x) { return helper(x) + api_a(x); }
"""
MAIN = r"""
#include <stdio.h>
#include <unistd.h>
int api_b(int);
int main(void) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < 600; i++) { printf("%d %d\n", i, api_b(i)); usleep(20000); }
	return 0;
}
"""


@pytest.fixture(scope="module")
def merge_parts(tmp_path_factory):
    exe = tmp_path_factory.mktemp("driver") / "merge_parts"
    run(["gcc", "-I", str(ROOT / "src"), str(ROOT / "tests" / "patchmerge" / "merge_parts.c"),
         str(BUILD / "libsuture-core.a"), *CORE_LIBS, "-o", str(exe)])
    return str(exe)


def build_id(path):
    notes = run(["readelf", "-n", str(path)]).stdout
    return re.search(r"Build ID: ([0-9a-f]+)", notes).group(1)


def test_parts_of_two_units_merge_and_apply(tmp_path, suture, merge_parts):
    src = tmp_path / "src"
    src.mkdir()
    for name, text in (("a", A), ("b", B), ("main", MAIN)):
        (src / f"{name}.c").write_text(text)
        run([*SUTURE_CC, "-c", f"{name}.c", "-o", f"../{name}.o"], cwd=src)
    run([*SUTURE_CC, "a.o", "b.o", "main.o", "-o", "prog"], cwd=tmp_path)
    fixes = {"a": A.replace("x + 1", "x + 1000"), "b": B.replace("x - 1", "x - 2")}
    parts = []
    for name, text in fixes.items():
        (src / f"{name}.c").write_text(text)
        run([*SUTURE_CC, "-c", f"{name}.c", "-o", f"../{name}-fixed.o"], cwd=src)
        part = tmp_path / f"{name}-part.o"
        run([suture, "diff", str(tmp_path / f"{name}.o"), str(tmp_path / f"{name}-fixed.o"),
             "-o", str(part)])
        parts.append(str(part))

    patch = tmp_path / "two-units.o"
    bid = build_id(tmp_path / "prog")
    run([merge_parts, str(patch), "two-units", "prog", bid, *parts])
    info = run_json([suture, "info", "--json", str(patch)])
    assert info["name"] == "two-units"
    assert info["objects"] == [{"name": "prog", "build_id": bid}]
    assert sorted((f["name"], f["file"]) for f in info["functions"]) == \
        [("helper", "a.c"), ("helper", "b.c")]
    assert {"name": "hits", "file": "a.c", "object": 0} in info["symbols"]
    run(["ld", "-r", str(patch), "-o", str(tmp_path / "l.o")])

    printed = output_across_apply(suture, tmp_path / "prog", patch, tmp_path)
    values = [tuple(map(int, line.split())) for line in printed.splitlines()
              if len(line.split()) == 2]
    # before: (i-1) + 2(i+1) = 3i+1; after: (i-2) + 2(i+1000) = 3i+1998
    old = [v for v in values if v[1] == 3 * v[0] + 1]
    new = [v for v in values if v[1] == 3 * v[0] + 1998]
    assert old and new and len(old) + len(new) == len(values)
    assert max(i for i, _ in old) < min(i for i, _ in new)


def test_merge_refuses_a_global_defined_twice(tmp_path, suture, merge_parts):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.c").write_text(A)
    run([*SUTURE_CC, "-c", "a.c", "-o", "../a.o"], cwd=src)
    (src / "a.c").write_text(A.replace("* 2", "* 3"))
    run([*SUTURE_CC, "-c", "a.c", "-o", "../a-fixed.o"], cwd=src)
    part = tmp_path / "a-part.o"
    run([suture, "diff", str(tmp_path / "a.o"), str(tmp_path / "a-fixed.o"), "-o", str(part)])
    proc = run([merge_parts, str(tmp_path / "m.o"), "m", "prog", "", str(part), str(part)],
               check=False)
    assert proc.returncode == 1
    assert "both define api_a" in proc.stderr
    assert not (tmp_path / "m.o").exists()
