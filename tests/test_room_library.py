"""A function of a shared library built with suture-cc (the prefix room),
called from the program through the PLT (issue 12): patched, a second
patch stacked on it, reverted newest first, under each consistency model,
while a thread calls it in bursts and checks every answer
(tests/runtime-progs/roomlib.c, roomlibuse.c).  A thread standing at each
byte of a function's start is tests/test_room_steps.py's part."""
import pathlib

import pytest

from conftest import run
from roomutil import ROOM, Entries
from test_runtime import PROGS, build, starting
from test_thread_model import Prog


@pytest.fixture(scope="module")
def lib(suture, suture_cc, tmp_path_factory):
    root = tmp_path_factory.mktemp("roomlib")
    b = build(suture, root / "lib", "roomlib.c", extra=["-fPIC", f"-I{PROGS}"], variants=["V2", "V3"],
              program=False, cc=suture_cc)
    b["so"] = root / "libroomlib.so"
    run(["gcc", "-shared", str(b["orig.o"]), "-o", str(b["so"])])
    b["prog"] = root / "roomlibuse"
    run(["gcc", "-O2", "-pthread", str(PROGS / "roomlibuse.c"), str(b["so"]), f"-Wl,-rpath,{root}",
         "-o", str(b["prog"])])
    return b


@pytest.fixture
def start(tmp_path):
    yield from starting(tmp_path, Prog)


def lib_code(pid, so):
    """The library's room and entry of lib_add in the process."""
    section, addr = Entries(so).funcs["lib_add"]
    for line in pathlib.Path(f"/proc/{pid}/maps").read_text().splitlines():
        if line.split()[-1] == str(so) and line.split()[2] == "00000000":
            base = int(line.split("-")[0], 16)
            with open(f"/proc/{pid}/mem", "rb") as mem:
                mem.seek(base + addr - ROOM)
                return mem.read(ROOM + 16)
    raise AssertionError(f"{so} is not mapped")


def answers(t):
    t.counters()
    c = t.counters()
    return c["lib"], c


def test_called_through_the_plt(lib):
    """The program reaches lib_add through its PLT, and the library's
    function has its room: what the test is about."""
    relocs = run(["readelf", "-rW", str(lib["prog"])]).stdout
    assert any("R_X86_64_JUMP_SLOT" in line and "lib_add" in line for line in relocs.splitlines())
    assert Entries(lib["so"]).room("lib_add") == " ".join(["cc"] * ROOM)


@pytest.mark.parametrize("model", ["thread", "stop", "none"])
def test_library_function_patched_stacked_and_reverted(suture, lib, start, model):
    t = start(lib["prog"])
    code = lib_code(t.pid, lib["so"])
    for patch, want in [("V2", 1000), ("V3", 2000)]:
        run([suture, "apply", "--consistency", model, "--timeout", "20", str(t.pid), str(lib[patch])])
        assert answers(t)[0] == want
    for name, want in [("v3", 1000), ("v2", 1)]:
        run([suture, "revert", "--timeout", "20", str(t.pid), name])
        assert answers(t)[0] == want
    v, c = answers(t)
    assert c["bad"] == 0 and c["calls"] > 0
    assert lib_code(t.pid, lib["so"]) == code   # the room and the entry as built
