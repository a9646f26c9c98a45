"""Helpers shared by the diff and patch file tests: compiling a source pair
with real gcc through suture-cc at the default level, and reading ELF
section headers."""
import re
import subprocess

from conftest import BUILD

# suture-cc at its default level (inline-clone): entry padding, a section
# per function and datum, the unit record; -g for the line tables.
SUTURE_CC = [str(BUILD / "suture-cc"), "-fease-live-patching", "-O2", "-g"]
# The same with plain gcc options: the padding is five 1-byte NOPs then.
PLAIN_GCC = ["gcc", "-O2", "-g", "-flive-patching=inline-clone", "-ffunction-sections",
             "-fdata-sections", "-fpatchable-function-entry=5"]


def compile_c(src, obj, extra=(), compiler=SUTURE_CC):
    subprocess.run([*compiler, *extra, "-c", str(src), "-o", str(obj)],
                   check=True, capture_output=True, text=True)
    return obj


def compile_pair(tmp_path, orig_text, patched_text, extra=(), compiler=SUTURE_CC):
    """Compiles the two versions of one source file at one path, src/unit.c,
    as a tree is rebuilt after a change (so __FILE__ is the same), into
    orig/unit.o and patched/unit.o; returns the two objects."""
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    objs = []
    for name, text in (("orig", orig_text), ("patched", patched_text)):
        (src / "unit.c").write_text(text)
        (tmp_path / name).mkdir(exist_ok=True)
        objs.append(compile_c(src / "unit.c", tmp_path / name / "unit.o", extra, compiler))
    return objs


def sections(path):
    """{name: (offset, size)} from readelf."""
    out = subprocess.run(["readelf", "-SW", str(path)], check=True,
                         capture_output=True, text=True).stdout
    result = {}
    for m in re.finditer(r"\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)", out):
        result[m.group(1)] = (int(m.group(2), 16), int(m.group(3), 16))
    return result
