"""The patch file: what `suture diff -o` writes is a clean ELF object that
binutils accept and `suture info` reads; damaged files are refused."""
import json
import pathlib

import pytest

from conftest import run
from diffutil import SUTURE_CC, compile_pair, sections
from sealing import reseal, seal
from schemacheck import run_json
from roomutil import ROOM, Entries

ORIG = r"""
#include <stdio.h>
static int counter;
static __attribute__((noinline)) int helper(int x) { return x * 7 + counter; }
int api(int x) { counter++; printf("api %d\n", x); return helper(x); }
int other(int x) { return x - 1; }
"""
PATCHED = ORIG.replace('"api %d\\n"', '"api called with %d\\n"').replace("x * 7", "x * 9")


@pytest.fixture
def patch(tmp_path, suture):
    orig, patched = compile_pair(tmp_path, ORIG, PATCHED)
    out = tmp_path / "fix-api.o"
    run([suture, "diff", str(orig), str(patched), "-o", str(out)])
    return out


def test_info_reads_what_diff_wrote(suture, patch):
    info = run_json([suture, "info", "--json", str(patch)])
    assert info["name"] == "fix-api"
    assert info["format"] == 1
    assert [f["name"] for f in info["functions"]] in (["api", "helper"], ["helper", "api"])
    helper = next(f for f in info["functions"] if f["name"] == "helper")
    assert helper["file"] == "unit.c" and helper["part"] is False
    symbols = {(s["name"], s["file"], s["object"]) for s in info["symbols"]}
    assert ("counter", "unit.c", 0) in symbols
    assert ("printf", None, None) in symbols
    assert info["new_functions"] == []
    text = run([suture, "info", str(patch)]).stdout
    assert "patch fix-api" in text and "helper (static, unit.c)" in text
    assert "new functions: none" in text


def test_name_option_overrides_file_name(tmp_path, suture):
    orig, patched = compile_pair(tmp_path, ORIG, PATCHED)
    out = tmp_path / "p.o"
    run([suture, "diff", "--name", "cve-2024-1", str(orig), str(patched), "-o", str(out)])
    assert run_json([suture, "info", "--json", str(out)])["name"] == "cve-2024-1"


def test_binutils_accept_the_patch(tmp_path, patch):
    readelf = run(["readelf", "-a", "-W", str(patch)])
    assert readelf.stderr == ""
    assert "warning" not in readelf.stdout.lower()
    objdump = run(["objdump", "-dr", str(patch)])
    assert objdump.stderr == ""
    assert "<api>:" in objdump.stdout
    # references stay symbolic: the static counter by name and file
    assert "counter:unit.c" in objdump.stdout
    linked = tmp_path / "linked.o"
    run(["ld", "-r", str(patch), "-o", str(linked)])
    assert linked.stat().st_size > 0


def test_old_bytes_and_mask_cover_the_old_function(suture, patch):
    info = run_json([suture, "info", "--json", str(patch)])
    api = next(f for f in info["functions"] if f["name"] == "api")
    assert api["old_size"] > 10


def test_not_a_patch_is_refused(tmp_path, suture):
    plain = tmp_path / "plain.o"
    (tmp_path / "plain.c").write_text("int x;\n")
    run(["gcc", "-c", str(tmp_path / "plain.c"), "-o", str(plain)])
    proc = run([suture, "info", str(plain)], check=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"suture info: {plain} is not a valid patch: no checksum at its end")
    sealed = tmp_path / "sealed.o"
    sealed.write_bytes(seal(plain.read_bytes()))
    proc = run([suture, "info", str(sealed)], check=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"suture info: {sealed} is not a valid patch: section .suture.header is missing")
    text = tmp_path / "text"
    text.write_text("hello\n")
    proc = run([suture, "info", str(text)], check=False)
    assert proc.returncode == 1 and "is not an ELF file" in proc.stderr


def _refused(suture, path):
    proc = run([suture, "info", str(path)], check=False, errors="replace")
    assert proc.returncode in (0, 1), f"crashed: {proc.returncode} {proc.stderr}"
    if proc.returncode == 1:
        assert proc.stderr.startswith("suture info: ") and proc.stderr.count("\n") == 1
        assert proc.stdout == ""
    return proc


def test_truncated_patches_are_refused(tmp_path, suture, patch):
    data = patch.read_bytes()
    cut = tmp_path / "cut.o"
    for size in list(range(0, 128, 7)) + list(range(128, len(data), max(1, len(data) // 150))):
        cut.write_bytes(data[:size])
        proc = _refused(suture, cut)
        assert proc.returncode == 1, f"truncated at {size} was accepted"


def test_flipped_bytes_in_suture_sections_never_crash(tmp_path, suture, patch):
    data = bytearray(patch.read_bytes())
    bad = tmp_path / "bad.o"
    secs = sections(patch)
    refused = 0
    for name in (".suture.header", ".suture.funcs", ".suture.symbols", ".suture.objects",
                 ".suture.strings"):
        off, size = secs[name]
        for i in range(0, size, max(1, size // 24)):
            for flip in (0xff, 0x80):
                copy = bytearray(data)
                copy[off + i] ^= flip
                bad.write_bytes(reseal(copy))
                refused += _refused(suture, bad).returncode == 1
    assert refused > 20


@pytest.mark.parametrize("section,offset,value,message", [
    (".suture.header", 0, b"X", "bad magic"),
    (".suture.header", 8, b"\x07", "format version 7"),
    (".suture.header", 16, b"\x09", "holds 1 records, the header says 9"),
    (".suture.funcs", 4, b"\xff\xff\x00\x00", "outside .suture.strings"),
    (".suture.funcs", 12, b"\xff\xff\x00\x00", "outside .symtab"),
    (".suture.funcs", 24, b"\xff\xff\x00\x00", "outside .suture.oldcode"),
    (".suture.symbols", 4, b"\x05", "object index 5"),
])
def test_each_check_names_what_is_wrong(tmp_path, suture, patch, section, offset, value, message):
    data = bytearray(patch.read_bytes())
    off, _ = sections(patch)[section]
    data[off + offset:off + offset + len(value)] = value
    bad = tmp_path / "bad.o"
    bad.write_bytes(reseal(data))
    proc = _refused(suture, bad)
    assert proc.returncode == 1
    assert message in proc.stderr
    assert f"{bad} is not a valid patch" in proc.stderr


def test_info_usage(suture, patch):
    assert run([suture, "info"], check=False).returncode == 2
    assert run([suture, "info", "--bogus", str(patch)], check=False).returncode == 2


def _symbols(path):
    out = run(["readelf", "-sW", str(path)]).stdout
    return [line.split()[-1] for line in out.splitlines() if " OBJECT " in line]


def _statics_used_by(obj, function):
    """The static locals FUNCTION's code refers to (through their section
    symbols, as gas writes references to local symbols)."""
    dump = run(["objdump", "-dr", f"--section=.text.{function}", str(obj)]).stdout
    names = set()
    for line in dump.splitlines():
        if "R_X86_64" in line:
            target = line.split()[-1].rsplit("-", 1)[0].rsplit("+", 1)[0]
            for prefix in (".bss.", ".data."):
                if target.startswith(prefix):
                    names.add(target[len(prefix):])
    return names


def test_static_locals_keep_the_targets_numbering(tmp_path, suture):
    """The patched build renumbers second's static local (a function with a
    static of the same name comes after it); the patch must refer to the
    target's own count.N, by name and file."""
    orig_src = "int first(void) { return 1; }\nint second(void) { static int count; return ++count; }\n"
    new_src = ("int first(void) { return 1; }\n"
               "int second(void) { static int count; return count += 2; }\n"
               "int zero(void) { static int count; return count += 7; }\n")
    orig, patched = compile_pair(tmp_path, orig_src, new_src)
    (old_count,) = _statics_used_by(orig, "second")
    (new_count,) = _statics_used_by(patched, "second")
    assert old_count != new_count          # gcc did renumber it
    out = tmp_path / "p.o"
    report = run_json([suture, "diff", "--json", str(orig), str(patched),
                             "-o", str(out)])
    assert [(d["name"], d["state"]) for d in report["data"]] == [(old_count, "new")]
    dump = run(["objdump", "-dr", str(out)]).stdout
    assert f"{old_count}:unit.c" in dump
    info = run_json([suture, "info", "--json", str(out)])
    assert {"name": old_count, "file": "unit.c", "object": 0} in info["symbols"]
    # zero's count is new data, defined in the patch
    assert old_count in _symbols(out)


def test_two_statics_of_one_name_stay_apart(tmp_path, suture):
    src = ("int a(void) { static int n; return ++n; }\n"
           "int b(void) { static int n; return n += 2; }\n")
    orig, patched = compile_pair(tmp_path, src, src.replace("n += 2", "n += 3"))
    out = tmp_path / "p.o"
    run([suture, "diff", str(orig), str(patched), "-o", str(out)])
    (b_n,) = _statics_used_by(orig, "b")
    (a_n,) = _statics_used_by(orig, "a")
    assert a_n != b_n
    dump = run(["objdump", "-dr", str(out)]).stdout
    assert f"{b_n}:unit.c" in dump and f"{a_n}:unit.c" not in dump


def test_old_bytes_mask_the_relocated_fields(tmp_path, suture, patch):
    """The mask is 0x00 exactly on the entry padding and the relocated
    fields (and the linker-relaxable bytes before GOTPCRELX ones)."""
    secs = sections(patch)
    off, size = secs[".suture.oldcode"]
    blob = patch.read_bytes()[off:off + size]
    info = run_json([suture, "info", "--json", str(patch)])
    total = sum(f["old_size"] for f in info["functions"])
    assert size == 2 * total
    # first record's bytes then mask (the writer lays them out in order)
    first = info["functions"][0]
    old, mask = blob[:first["old_size"]], blob[first["old_size"]:2 * first["old_size"]]
    # the prefix room (suture-cc's default): the runtime owns the first
    # instruction after endbr64, `mov $imm, %eax` or `lea` here: more than 2 bytes
    assert first["old_room"] and first["new_room"]
    at = 4 if old[:4] == b"\xf3\x0f\x1e\xfa" else 0
    assert mask[:at] == b"\xff" * at
    owned = mask[at:].index(0xff)
    assert owned >= 2
    assert set(mask) == {0x00, 0xff}


def test_old_bytes_mask_the_legacy_nop(tmp_path, suture):
    """The legacy form: the mask is 0x00 on the 5-byte NOP at the entry."""
    legacy = [*SUTURE_CC, "-fease-live-patching-entry=nop"]
    orig, patched = compile_pair(tmp_path, ORIG, PATCHED, compiler=legacy)
    out = tmp_path / "fix-api.o"
    run([suture, "diff", str(orig), str(patched), "-o", str(out)])
    off, size = sections(out)[".suture.oldcode"]
    info = json.loads(run([suture, "info", "--json", str(out)]).stdout)
    first = info["functions"][0]
    assert not first["old_room"] and not first["new_room"]
    blob = out.read_bytes()[off:off + size]
    old, mask = blob[:first["old_size"]], blob[first["old_size"]:2 * first["old_size"]]
    at = 4 if old[:4] == b"\xf3\x0f\x1e\xfa" else 0
    assert mask[at:at + 5] == b"\x00" * 5 and old[at:at + 5] == b"\x0f\x1f\x44\x00\x00"
    assert mask[at + 5] == 0xff


def test_new_functions_keep_their_room(tmp_path, suture):
    """Every function in a patch, the replacements and the brand-new ones,
    has its 16-byte room before it and a first instruction of 2 bytes or
    more: a later patch can redirect it in turn (patches stack)."""
    case = pathlib.Path(__file__).parent / "diff-corpus" / "new_callee"
    orig, patched = compile_pair(tmp_path, (case / "orig.c").read_text(),
                                 (case / "patched.c").read_text())
    out = tmp_path / "p.o"
    run([suture, "diff", str(orig), str(patched), "-o", str(out)])
    info = json.loads(run([suture, "info", "--json", str(out)]).stdout)
    assert info["new_functions"] and all(f["new_room"] for f in info["functions"])
    entries = Entries(out)
    names = {f["new_symbol"] for f in info["functions"]} | set(info["new_functions"])
    assert names <= set(entries.funcs)
    for name in names:
        assert entries.room(name) == " ".join(["cc"] * ROOM), name
        assert len(entries.first_after_endbr(name)[0].split()) >= 2, name


def test_patch_carries_unwind_information(tmp_path, suture):
    """Each function in the patch has its FDE (and the CIE it uses) so that
    stacks running patch code can be unwound; none for anything else."""
    case = pathlib.Path(__file__).parent / "diff-corpus" / "cold_part_change"
    orig, patched = compile_pair(tmp_path, (case / "orig.c").read_text(),
                                 (case / "patched.c").read_text())
    out = tmp_path / "p.o"
    run([suture, "diff", str(orig), str(patched), "-o", str(out)])
    frames = run(["readelf", "--debug-dump=frames", str(out)])
    assert frames.stderr == ""
    assert frames.stdout.count(" FDE ") == 2          # work and work.cold
    relocs = run(["readelf", "-rW", str(out)]).stdout
    section = relocs[relocs.index("'.rela.eh_frame'"):]
    # work starts after its 16-byte room, copied with it; its cold part has none
    assert ".text.work + 10" in section and ".text.unlikely.work + 0" in section
