"""suture diff on objects it did not make: clang's, objects full of special
sections, large ones; the two entry padding forms; bad input and usage."""

import json
import pytest

from conftest import run
from schemacheck import run_json, validated
from diffutil import PLAIN_GCC, SUTURE_CC, compile_c, compile_pair
from test_diff_corpus import CORPUS, build

KITCHEN_SINK = r"""
#include <stdio.h>
#include <stdlib.h>
__attribute__((section("my_custom_section"))) int custom_var = 3;
__attribute__((section(".text.my_handlers"))) int handler(int x) { return x + 1; }
__attribute__((used, section("__my_table"))) static int (*const table_entry)(int) = handler;
static __thread int tls_counter;
__attribute__((constructor)) static void init(void) { custom_var++; }
__attribute__((destructor)) static void fini(void) { puts("fini"); }
__attribute__((weak)) int weak_fn(int x) { return x; }
int ifunc_impl(int x) { return x * 2; }
static void *resolve(void) { return (void *)ifunc_impl; }
int ifn(int) __attribute__((ifunc("resolve")));
__asm__(".section .note.custom,\"\",@note\n .long 4,4,1\n .string \"abc\"\n .long 0\n .previous");
__asm__(".pushsection .gnu.warning.oldapi\n .string \"oldapi is deprecated\"\n .popsection");
int target(int x) {
	tls_counter++;
	char buf[64];
	snprintf(buf, sizeof buf, "%d", x);
	return atoi(buf) + weak_fn(x) + ifn(x) + tls_counter + MARK;
}
"""


@pytest.mark.parametrize("cc", ["gcc", "clang"])
@pytest.mark.parametrize("flags", ["", "-fsanitize=address",
                                   "-fPIC -fstack-protector-all -fcf-protection=full",
                                   "-fno-pic -mcmodel=large"])
def test_special_sections(tmp_path, suture, cc, flags):
    """Sanitizer, custom, note, warning, TLS, ifunc and constructor sections
    are no reason to fail: exactly the changed function is found and cut."""
    src = tmp_path / "ks.c"
    src.write_text(KITCHEN_SINK)
    compiler = [cc, "-O2", "-g", "-ffunction-sections", "-fdata-sections", *flags.split()]
    orig = compile_c(src, tmp_path / "a.o", ["-DMARK=1"], compiler)
    patched = compile_c(src, tmp_path / "b.o", ["-DMARK=2"], compiler)
    out = tmp_path / "p.o"
    report = run_json([suture, "diff", "--json", str(orig), str(patched),
                             "-o", str(out)])
    assert [f["name"] for f in report["functions"]] == ["target"]
    assert report["data"] == [] and report["refusals"] == []
    info = run_json([suture, "info", "--json", str(out)])
    assert [f["name"] for f in info["functions"]] == ["target"]
    run(["ld", "-r", str(out), "-o", str(tmp_path / "l.o")])


CLANG = ["clang", "-O2", "-g", "-ffunction-sections", "-fdata-sections"]
CLANG_CASES = {
    "body_change": ({"changed": ["add"]}, 0),
    "string_changed": ({"changed": ["greet"]}, 0),
    "strings_shared_section": ({"changed": ["name"]}, 0),
    "new_callee": ({"changed": ["check"], "new": ["valid_char"]}, 0),
    "two_static_locals_same_name": ({"changed": ["b"]}, 0),
    "switch_jump_table_unchanged": ({"changed": ["other"]}, 0),
    "computed_goto_changed": ({"changed": ["run"]}, 0),
    "comment_only": ({}, 3),
    "line_shift_assert": ({}, 3),
    "line_macro_logging": ({}, 3),
    "constant_change_is_not_a_line_shift": ({"changed": ["timeout"]}, 0),
    "global_initial_value_changed": ({}, 1),
}


@pytest.mark.parametrize("case", sorted(CLANG_CASES))
def test_clang_objects(tmp_path, suture, case):
    """clang names string literals .L.str.N objects and static locals
    f.name: strings still compare by content, locals pair by name."""
    expected, status = CLANG_CASES[case]
    objs = build(tmp_path, case, compiler=CLANG)
    out = tmp_path / "p.o"
    proc = run([suture, "diff", "--json", *map(str, objs), "-o", str(out)], check=False)
    assert proc.returncode == status, proc.stderr
    report = validated("diff", proc.stdout)
    for state in ("changed", "new", "removed"):
        got = sorted(f["name"] for f in report["functions"] if f["state"] == state)
        assert got == expected.get(state, []), (state, report["functions"])
    if status == 0:
        run(["ld", "-r", str(out), "-o", str(tmp_path / "l.o")])


def test_both_padding_forms_are_the_same(tmp_path, suture):
    """Five 1-byte NOPs (plain -fpatchable-function-entry=5) and suture-cc's
    one 5-byte NOP are the same entry padding."""
    src = (CORPUS / "security_fix_bounds_check" / "orig.c").read_text()
    (tmp_path / "plain.c").write_text(src)
    orig = compile_c(tmp_path / "plain.c", tmp_path / "plain.o", compiler=PLAIN_GCC)
    assert b"\x90\x90\x90\x90\x90" in orig.read_bytes()
    d = tmp_path / "cc"
    d.mkdir()
    (d / "unit.c").write_text(src)
    patched = compile_c(d / "unit.c", d / "unit.o",
                        compiler=[*SUTURE_CC, "-fease-live-patching-entry=nop"])
    assert b"\x0f\x1f\x44\x00\x00" in patched.read_bytes()
    proc = run([suture, "diff", str(orig), str(patched)], check=False)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert proc.stdout == "no functional change\n"


def test_prefix_room_builds_diff_clean(tmp_path, suture):
    """Two prefix-room builds of one source: no change, though every
    function's code sits 16 bytes into its section; the legacy NOP and the
    room are different code (the NOP is executed), so changed."""
    src = (CORPUS / "security_fix_bounds_check" / "orig.c").read_text()
    orig, again = compile_pair(tmp_path, src, src)
    assert b"\xcc" * 16 in orig.read_bytes()
    proc = run([suture, "diff", str(orig), str(again)], check=False)
    assert (proc.returncode, proc.stdout) == (3, "no functional change\n")
    d = tmp_path / "nop"
    d.mkdir()
    (d / "unit.c").write_text(src)
    legacy = compile_c(d / "unit.c", d / "unit.o",
                       compiler=[*SUTURE_CC, "-fease-live-patching-entry=nop"])
    report = json.loads(run([suture, "diff", "--json", str(legacy), str(orig)]).stdout)
    assert report["functions"] and all(f["state"] == "changed" for f in report["functions"])


def test_large_object_one_change(tmp_path, suture):
    """3000 functions, one changed: exactly that one is reported."""
    body = "".join(f"int f{i}(int x) {{ return x * {i} + {i % 7}; }}\n" for i in range(3000))
    orig, patched = compile_pair(tmp_path, body, body.replace("x * 1234 +", "x * 4321 +"))
    report = run_json([suture, "diff", "--json", str(orig), str(patched)])
    assert [f["name"] for f in report["functions"]] == ["f1234"]


def test_text_report(tmp_path, suture):
    src = (CORPUS / "new_callee" / "orig.c").read_text()
    new = (CORPUS / "new_callee" / "patched.c").read_text()
    orig, patched = compile_pair(tmp_path, src, new)
    out = run([suture, "diff", str(orig), str(patched)]).stdout.splitlines()
    assert out[0].startswith("changed  function  check [")
    assert out[1] == "new      function  valid_char"


def test_refusal_writes_nothing(tmp_path, suture):
    case = CORPUS / "global_initial_value_changed"
    orig, patched = compile_pair(tmp_path, (case / "orig.c").read_text(),
                                 (case / "patched.c").read_text())
    out = tmp_path / "p.o"
    out.write_bytes(b"earlier")
    proc = run([suture, "diff", str(orig), str(patched), "-o", str(out)], check=False)
    assert proc.returncode == 1
    assert ("suture diff: cannot patch live: limit: the initial value of limit changed; "
            "the running process keeps its current value; way out: ") in proc.stderr
    assert out.read_bytes() == b"earlier"


def test_bad_inputs(tmp_path, suture):
    src = tmp_path / "m.c"
    src.write_text("int main(void) { return 0; }\n")
    exe = tmp_path / "m"
    run(["gcc", str(src), "-o", str(exe)])
    obj = compile_c(src, tmp_path / "m.o")
    proc = run([suture, "diff", str(exe), str(obj)], check=False)
    assert proc.returncode == 1
    assert proc.stderr == (f"suture diff: {exe} is not a relocatable object (.o); give suture diff "
                           "the objects the compiler wrote\n")
    proc = run([suture, "diff", str(obj), str(tmp_path / "missing.o")], check=False)
    assert proc.returncode == 1 and "cannot open" in proc.stderr and "missing.o" in proc.stderr
    proc = run([suture, "diff", str(obj), str(src)], check=False)
    assert proc.returncode == 1 and "is not an ELF file" in proc.stderr


@pytest.mark.parametrize("args", [[], ["a.o"], ["a.o", "b.o", "c.o"], ["--frob", "a.o", "b.o"],
                                  ["a.o", "b.o", "--name", "x"], ["a.o", "b.o", "-o"]])
def test_usage_errors(suture, args):
    proc = run([suture, "diff", *args], check=False)
    assert proc.returncode == 2
    assert "usage: suture diff" in proc.stderr


def test_damaged_objects_never_crash(tmp_path, suture):
    """Truncated objects and objects with flipped bytes: suture diff answers
    (exit 0, 1 or 3), never dies of a signal; a refusal is one clear line."""
    import random
    case = CORPUS / "switch_jump_table_case_changed"
    orig, patched = compile_pair(tmp_path, (case / "orig.c").read_text(),
                                 (case / "patched.c").read_text())
    data = orig.read_bytes()
    bad = tmp_path / "bad.o"
    rng = random.Random(4)
    variants = [data[:n] for n in range(0, len(data), max(1, len(data) // 60))]
    for _ in range(120):
        damaged = bytearray(data)
        for _ in range(4):
            damaged[rng.randrange(len(damaged))] ^= rng.randrange(1, 256)
        variants.append(bytes(damaged))
    for variant in variants:
        bad.write_bytes(variant)
        for pair in ((bad, patched), (patched, bad)):
            proc = run([suture, "diff", *map(str, pair), "-o", str(tmp_path / "p.o")],
                       check=False, errors="replace")
            assert proc.returncode in (0, 1, 3), (proc.returncode, proc.stderr)
            if proc.returncode == 1 and "cannot patch live" not in proc.stderr:
                assert proc.stderr.startswith("suture diff: ") and proc.stderr.count("\n") == 1


def test_line_move_with_another_difference_is_a_change(tmp_path, suture):
    """Built from two different paths, assert()'s __FILE__ string differs
    too: then the __LINE__ move does not hide it, the functions changed."""
    case = CORPUS / "line_shift_assert"
    objs = []
    for side in ("orig", "patched"):
        (tmp_path / side).mkdir()
        (tmp_path / side / "unit.c").write_text((case / f"{side}.c").read_text())
        objs.append(compile_c(tmp_path / side / "unit.c", tmp_path / side / "unit.o"))
    report = run_json([suture, "diff", "--json", *map(str, objs)])
    assert report["line_only"] == []
    for name in ("get", "put"):
        entry = next(f for f in report["functions"] if f["name"] == name)
        assert set(entry["reasons"]) == {"code", "reference"}, entry


def test_object_of_two_units_with_statics_of_one_name(tmp_path, suture):
    """`ld -r` of two units, each with its own static helper: the change to
    b.c's helper is b.c's, and the patch names it by its file."""
    a = "static __attribute__((noinline)) int helper(int x) { return x + 1; }\n" \
        "int a_api(int x) { return helper(x) * 2; }\n"
    b = a.replace("x + 1", "x - 1").replace("a_api", "b_api")
    objs = {}
    for side, b_text in (("orig", b), ("patched", b.replace("x - 1", "x - 2"))):
        d = tmp_path / side
        d.mkdir()
        (d / "a.c").write_text(a)
        (d / "b.c").write_text(b_text)
        for unit in ("a", "b"):
            run(["gcc", "-O2", "-ffunction-sections", "-fdata-sections", "-c", f"{unit}.c"], cwd=d)
        order = ["a.o", "b.o"] if side == "orig" else ["b.o", "a.o"]
        run(["ld", "-r", *order, "-o", "both.o"], cwd=d)
        objs[side] = d / "both.o"
    out = tmp_path / "p.o"
    report = run_json([suture, "diff", "--json", str(objs["orig"]), str(objs["patched"]),
                             "-o", str(out)])
    assert [(f["name"], f["file"]) for f in report["functions"]] == [("helper", "b.c")]
    info = run_json([suture, "info", "--json", str(out)])
    assert [(f["name"], f["file"]) for f in info["functions"]] == [("helper", "b.c")]


@pytest.mark.parametrize("cc", ["gcc", "clang"])
def test_without_function_sections(tmp_path, suture, cc):
    """Functions sharing .text are still told apart, and cut out one by one."""
    case = CORPUS / "new_static_callee"
    objs = compile_pair(tmp_path, (case / "orig.c").read_text(), (case / "patched.c").read_text(),
                        compiler=[cc, "-O2"])
    out = tmp_path / "p.o"
    report = run_json([suture, "diff", "--json", *map(str, objs), "-o", str(out)])
    assert [(f["name"], f["state"]) for f in report["functions"]] == \
        [("check", "changed"), ("valid_char", "new")]
    dump = run(["objdump", "-dr", str(out)]).stdout
    assert "<check>:" in dump and "<valid_char>:" in dump
    assert "Disassembly of section .text.check:" in dump
    run(["ld", "-r", str(out), "-o", str(tmp_path / "l.o")])


def test_jump_table_in_shared_text_cannot_be_cut(tmp_path, suture):
    case = CORPUS / "switch_jump_table_case_changed"
    objs = compile_pair(tmp_path, (case / "orig.c").read_text(), (case / "patched.c").read_text(),
                        compiler=["gcc", "-O2"])
    report = run([suture, "diff", *map(str, objs)]).stdout
    assert report.startswith("changed  function  classify [code]")
    proc = run([suture, "diff", *map(str, objs), "-o", str(tmp_path / "p.o")], check=False)
    assert proc.returncode == 1
    assert "build with -ffunction-sections (suture-cc does) to cut a patch" in proc.stderr
    assert not (tmp_path / "p.o").exists()
