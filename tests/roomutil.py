"""What an ELF file's code looks like around each function's entry, with
binutils (objdump, readelf) as the witness independent of suture: the bytes
before the entry (the prefix room), the first instructions, and the
addresses __patchable_function_entries records (docs/entry-padding.md)."""
import re
import struct

from conftest import run

ROOM = 16
ENDBR64 = "f3 0f 1e fa"
NOP5 = "0f 1f 44 00 00"


def sections(path):
    """section index -> name."""
    out = run(["readelf", "-SW", str(path)]).stdout
    return {int(m.group(1)): m.group(2)
            for m in re.finditer(r"^\s*\[\s*(\d+)\]\s+(\S+)", out, re.M)}


def functions(path):
    """name -> (section name, address) of every defined function symbol,
    without the parts GCC splits off (f.cold: never entered by a call)."""
    names = sections(path)
    out = run(["readelf", "-sW", str(path)]).stdout
    funcs = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 8 and f[3] == "FUNC" and f[6].isdigit() and int(f[2]) > 0:
            if ".cold" not in f[7]:
                funcs[f[7].split("@")[0]] = (names[int(f[6])], int(f[1], 16))
    return funcs


def disassembly(path):
    """section name -> {address: (bytes as hex text, instruction text)}."""
    out = run(["objdump", "-d", "-w", "-z", str(path)]).stdout
    code, current = {}, None
    for line in out.splitlines():
        head = re.match(r"^Disassembly of section (\S+):$", line)
        if head:
            current = code.setdefault(head.group(1), {})
            continue
        insn = re.match(r"^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$", line)
        if current is not None and insn:
            current[int(insn.group(1), 16)] = (insn.group(2).strip(), insn.group(3).strip())
    return code


class Entries:
    """The code at each function's entry in one ELF file."""

    def __init__(self, path):
        self.path = path
        self.funcs = functions(path)
        self.code = disassembly(path)

    def room(self, name):
        """The bytes of the ROOM bytes before NAME's entry, as hex text."""
        section, addr = self.funcs[name]
        insns = self.code[section]
        got, at = [], addr - ROOM
        while at < addr and at in insns:
            got.append(insns[at][0])
            at += len(insns[at][0].split())
        return " ".join(got) if at == addr else None

    def first(self, name, n=1):
        """NAME's first N instructions: [(bytes, text)]."""
        section, addr = self.funcs[name]
        insns, out = self.code[section], []
        while len(out) < n and addr in insns:
            out.append(insns[addr])
            addr += len(insns[addr][0].split())
        return out

    def first_after_endbr(self, name):
        """NAME's first instruction after endbr64: (bytes, text)."""
        two = self.first(name, 2)
        return two[1] if two[0][0] == ENDBR64 else two[0]

    def instructions(self, name):
        """NAME's instructions as text, addresses and jump targets taken out
        (a 2-byte first push moves every later offset by one)."""
        section, addr = self.funcs[name]
        insns = self.code[section]
        size = function_sizes(self.path)[name]
        out, at = [], addr
        while at < addr + size and at in insns:
            text = re.sub(r"\b[0-9a-f]+ <[^>]*>", "<>", insns[at][1])
            out.append(re.sub(r"\s*#.*$", "", text))
            at += len(insns[at][0].split())
        return out


def function_sizes(path):
    out = run(["readelf", "-sW", str(path)]).stdout
    return {f[7].split("@")[0]: int(f[2]) for f in (line.split() for line in out.splitlines())
            if len(f) >= 8 and f[3] == "FUNC" and f[6].isdigit()}


def recorded_entries(path):
    """What __patchable_function_entries records.  In an object: the set of
    (section name, offset) its relocations point at; in a linked file: the
    set of addresses it holds."""
    if "REL (Relocatable file)" in run(["readelf", "-hW", str(path)]).stdout:
        out = run(["readelf", "-rW", str(path)]).stdout
        records, inside = set(), False
        for line in out.splitlines():
            if line.startswith("Relocation section"):
                inside = "__patchable_function_entries" in line
            f = line.split()
            if inside and len(f) >= 7 and f[2] == "R_X86_64_64":
                records.add((f[4], int(f[6], 16)))
        return records
    out = run(["readelf", "-x", "__patchable_function_entries", str(path)]).stdout
    data = bytes.fromhex("".join(
        "".join(m.group(1).split()) for m in re.finditer(r"^\s+0x[0-9a-f]+ ((?:[0-9a-f]{2,8} ){1,4})",
                                                          out, re.M)))
    return {v for (v,) in struct.iter_unpack("<Q", data)}
