"""Every reader refuses what it does not understand with one clear line and
exit 1: never a crash, a hang or a read out of bounds (the suite also runs
under ASan and UBSan, scripts/check.sh).  The README's table of bad inputs
lists what is tried here and the error each one gets."""
import os
import pathlib
import struct

import pytest

from conftest import run
from diffutil import compile_pair
from sealing import image_of, seal

SOURCE = "int f(int x) { return x + 1; }\nint g(int x) { return f(x) * 2; }\n"


@pytest.fixture(scope="module")
def objects(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    orig, patched = compile_pair(d, SOURCE, SOURCE.replace("x + 1", "x + 2"))
    return d, orig, patched


def one_line_refusal(cmd, *expect):
    r = run(["timeout", "20", *cmd], check=False, errors="replace")
    assert r.returncode == 1, (cmd, r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for e in expect:
        assert e in lines[0], lines[0]
    return lines[0]


def damaged_objects(d, orig):
    """The three damages `suture audit` crashed on."""
    data = orig.read_bytes()
    out = {"truncated-1024": data[:1024]}
    shnum = bytearray(data)
    shnum[60:62] = struct.pack("<H", 0xffff)
    out["e_shnum-0xffff"] = bytes(shnum)
    shoff = bytearray(data)
    shoff[40:48] = struct.pack("<Q", len(data) + 4096)
    out["e_shoff-past-end"] = bytes(shoff)
    paths = {}
    for name, content in out.items():
        paths[name] = d / f"{name}.o"
        paths[name].write_bytes(content)
    return paths


@pytest.mark.parametrize("damage", ["truncated-1024", "e_shnum-0xffff", "e_shoff-past-end"])
@pytest.mark.parametrize("command", ["audit", "impact", "info", "diff"])
def test_damaged_section_headers(suture, objects, damage, command):
    d, orig, _ = objects
    bad = damaged_objects(d, orig)[damage]
    if command == "info":   # sealed, so that the ELF reader behind the checksum sees it
        bad.write_bytes(seal(bad.read_bytes()))
    args = [str(orig), str(bad)] if command == "diff" else [str(bad)]
    one_line_refusal([suture, command, *args], str(bad), "section header table")


@pytest.mark.parametrize("command", ["audit", "impact", "info", "diff", "diff-orig", "apply"])
def test_fifo_is_refused_at_once(suture, objects, tmp_path, command):
    _, orig, _ = objects
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    args = {"diff": ["diff", str(orig), str(fifo)], "diff-orig": ["diff", str(fifo), str(orig)],
            "apply": ["apply", "--consistency", "stop", str(os.getpid()), str(fifo)]}
    one_line_refusal([suture, *args.get(command, [command, str(fifo)])], "is a FIFO")


@pytest.mark.parametrize("command", ["audit", "impact", "info"])
def test_directory_is_refused(suture, tmp_path, command):
    one_line_refusal([suture, command, str(tmp_path)], "is a directory")


def test_impact_of_an_empty_file(suture, tmp_path):
    empty = tmp_path / "empty.o"
    empty.write_bytes(b"")
    one_line_refusal([suture, "impact", str(empty)], "is empty")


@pytest.mark.parametrize("output", ["/dev/full", "fifo"])
def test_diff_never_replaces_a_special_file(suture, objects, tmp_path, output):
    _, orig, patched = objects
    if output == "fifo":
        output = str(tmp_path / "fifo")
        os.mkfifo(output)
    before = os.lstat(output)
    one_line_refusal([suture, "diff", str(orig), str(patched), "-o", output],
                     output, "writes only to a new path or a regular file")
    after = os.lstat(output)
    assert (after.st_mode, after.st_ino, after.st_rdev) == (before.st_mode, before.st_ino, before.st_rdev)
    assert not list(pathlib.Path(output).parent.glob(pathlib.Path(output).name + ".tmp*"))


def patch_to_forge(suture, objects, tmp_path):
    """A real patch of the objects and its bytes without the trailer, to
    change (then sealed again: seal())."""
    _, orig, patched = objects
    patch = tmp_path / "p.o"
    run([suture, "diff", str(orig), str(patched), "-o", str(patch)])
    return patch, bytearray(image_of(patch.read_bytes()))


def test_patch_section_at_unaligned_offset(suture, objects, tmp_path):
    """.suture.funcs moved to an odd offset (and the checksum fixed): the
    reader would read its records misaligned; it refuses instead."""
    from elftools.elf.elffile import ELFFile
    patch, image = patch_to_forge(suture, objects, tmp_path)
    with open(patch, "rb") as f:
        elf = ELFFile(f)
        index = elf.get_section_index(".suture.funcs")
        sec = elf.get_section(index)
        content = sec.data()
        shoff, shentsize = elf["e_shoff"], elf["e_shentsize"]
    image += b"\0" * ((8 - len(image) % 8) % 8 + 1)       # an odd offset
    new_offset = len(image)
    image += content
    header = shoff + index * shentsize
    image[header + 24:header + 32] = struct.pack("<Q", new_offset)   # sh_offset
    bad = tmp_path / "unaligned.o"
    bad.write_bytes(seal(bytes(image)))
    one_line_refusal([suture, "info", str(bad)], "section .suture.funcs is at an unaligned offset")


@pytest.mark.parametrize("name", ["a b", "fix'1", "x" * 128])
def test_patch_names_that_cannot_be_typed_back(suture, objects, tmp_path, name):
    """A patch is reverted by its name: one with a space, a quote or more
    than 127 bytes is refused when written (and when read, test_mutation)."""
    _, orig, patched = objects
    out = tmp_path / "p.o"
    one_line_refusal([suture, "diff", "--name", name, str(orig), str(patched), "-o", str(out)],
                     "patch name")
    assert not out.exists()


def test_new_function_past_its_section(suture, objects, tmp_path):
    """A forged patch (checksum fixed) whose new function's symbol points
    past its section: `apply` read outside the patch's memory (SIGSEGV, found
    by bench/mutate_apply.py); the reader refuses it."""
    from elftools.elf.elffile import ELFFile
    patch, image = patch_to_forge(suture, objects, tmp_path)
    with open(patch, "rb") as f:
        elf = ELFFile(f)
        symtab = elf.get_section_by_name(".symtab")
        index = next(i for i, s in enumerate(symtab.iter_symbols())
                     if s["st_info"]["type"] == "STT_FUNC" and s["st_shndx"] != "SHN_UNDEF")
        entry = symtab["sh_offset"] + index * symtab["sh_entsize"]
    image[entry + 8:entry + 16] = struct.pack("<Q", 0xff00000000000000)   # st_value
    bad = tmp_path / "forged.o"
    bad.write_bytes(seal(bytes(image)))
    one_line_refusal([suture, "info", str(bad)], "runs past the end of its section")


def forged_patch(suture, objects, tmp_path, forge):
    """A patch of OBJECTS, FORGE(image, elf) changing its bytes, then the
    checksum fixed as whoever can write the file could."""
    from elftools.elf.elffile import ELFFile
    patch, image = patch_to_forge(suture, objects, tmp_path)
    with open(patch, "rb") as f:
        forge(image, ELFFile(f))
    bad = tmp_path / "forged.o"
    bad.write_bytes(seal(bytes(image)))
    return bad


@pytest.mark.parametrize("to, overlapped", [("symtab", ".symtab"), ("zero", "the ELF header")])
def test_code_section_over_another_part_of_the_file(suture, objects, tmp_path, to, overlapped):
    """A forged section header points the new code at .symtab's bytes, or at
    the ELF header: every other check held, apply loaded those bytes as
    code and the target died (bench/mutate_apply.py)."""
    def forge(image, elf):
        index = next(i for i, s in enumerate(elf.iter_sections()) if s.name.startswith(".text"))
        at = elf["e_shoff"] + index * elf["e_shentsize"] + 24   # sh_offset
        offset = elf.get_section_by_name(".symtab")["sh_offset"] if to == "symtab" else 0
        image[at:at + 8] = struct.pack("<Q", offset)
    bad = forged_patch(suture, objects, tmp_path, forge)
    one_line_refusal([suture, "info", str(bad)], "is not a valid patch", "overlaps", ".text.f",
                     overlapped)


def test_new_function_in_a_reserved_section_index(suture, objects, tmp_path):
    """A forged new function's st_shndx in the reserved range: apply took
    its address as 0 and segfaulted (bench/mutate_apply.py)."""
    def forge(image, elf):
        symtab = elf.get_section_by_name(".symtab")
        index = next(i for i, s in enumerate(symtab.iter_symbols())
                     if s["st_info"]["type"] == "STT_FUNC" and s["st_shndx"] != "SHN_UNDEF")
        entry = symtab["sh_offset"] + index * symtab["sh_entsize"]
        image[entry + 6:entry + 8] = struct.pack("<H", 0xff01)   # st_shndx
    bad = forged_patch(suture, objects, tmp_path, forge)
    one_line_refusal([suture, "info", str(bad)], "is not a function defined in the patch")
