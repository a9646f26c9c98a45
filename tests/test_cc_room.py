"""suture-cc's default entry form, the prefix room (docs/entry-padding.md):
16 bytes of int3 before every function, recorded in
__patchable_function_entries, a first instruction of at least 2 bytes, and
not one instruction more per unpatched call than a build without padding.
objdump and readelf are the witnesses; ptrace counts what runs."""
import ctypes
import json
import os

import pytest

from conftest import BUILD, run
from roomutil import ENDBR64, NOP5, ROOM, Entries, function_sizes, recorded_entries

LEVEL = "-fease-live-patching"
LEGACY = "-fease-live-patching-entry=nop"

# First instructions a real program starts functions with: a push (1 byte
# as GCC writes it), a lone ret, a RIP-relative load, an unreachable body,
# a loop whose head is the entry, a tail call.
SRC = r"""
#include <stdio.h>
int counter;
void empty(void) {}
int rip_relative(void) { return counter; }
__attribute__((noinline)) int pushes(int n)
{
	int s = 0;
	for (int i = 0; i < n; i++)
		s += printf("%d", i);
	return s;
}
__attribute__((noreturn)) void unreachable(void) { __builtin_unreachable(); }
__attribute__((noinline)) int loop_at_entry(unsigned n)
{
	while (n > 1)
		n = n & 1 ? 3 * n + 1 : n / 2;
	return n;
}
__attribute__((noinline)) int tail(int n) { return pushes(n + 1); }
int main(int argc, char **argv)
{
	(void)argv;
	empty();
	return pushes(argc) + tail(argc) + loop_at_entry(27) + rip_relative() == 0;
}
"""


@pytest.fixture
def src(tmp_path):
    (tmp_path / "room.c").write_text(SRC)
    return tmp_path


def compile_obj(suture_cc, src, *flags, name="room.o"):
    run([suture_cc, *flags, "-c", "room.c", "-o", name, LEVEL], cwd=src)
    return Entries(src / name)


@pytest.mark.parametrize("flags", [["-O2"], ["-O0"], ["-Os"], ["-O2", "-fcf-protection=none"],
                                   ["-O3", "-fPIC"]])
def test_every_function_has_its_room_and_record(suture_cc, src, flags):
    obj = compile_obj(suture_cc, src, *flags)
    assert {"main", "empty", "pushes", "tail"} <= set(obj.funcs)
    for name, (section, addr) in obj.funcs.items():
        assert obj.room(name) == " ".join(["cc"] * ROOM), name
        first = obj.first_after_endbr(name)
        assert len(first[0].split()) >= 2, (name, first)
    # one record per function: the room's first byte, in the function's section
    assert recorded_entries(src / "room.o") == {
        (section, addr - ROOM) for section, addr in obj.funcs.values()}


def test_one_byte_first_instructions_are_written_longer(suture_cc, src):
    o2 = compile_obj(suture_cc, src, "-O2", "-fcf-protection=none")
    assert o2.first("empty")[0] == ("f3 c3", "repz ret")
    assert o2.first("pushes")[0][1].startswith("push ")
    assert o2.first("unreachable")[0] == ("0f 0b", "ud2")
    o0 = compile_obj(suture_cc, src, "-O0", "-fcf-protection=none", name="o0.o")
    # push %rbp: ff /6, the 2-byte form of the 1-byte 55
    assert all(o0.first(f)[0] == ("ff f5", "push   %rbp") for f in o0.funcs)


def test_entries_keep_their_alignment(suture_cc, src):
    run([suture_cc, "-O2", "room.c", "-o", "prog", LEVEL], cwd=src)
    prog = Entries(src / "prog")
    own = ["main", "empty", "pushes", "tail", "loop_at_entry", "rip_relative"]
    assert all(prog.funcs[f][1] % 16 == 0 for f in own)
    assert all(prog.room(f) == " ".join(["cc"] * ROOM) for f in own)
    assert {prog.funcs[f][1] - ROOM for f in own} <= recorded_entries(src / "prog")


def test_same_instructions_as_gcc_without_padding(suture_cc, src):
    """Function by function, the code is GCC's -flive-patching=inline-clone
    without any padding: only the encodings of a first push or ret differ."""
    run(["gcc", "-O2", "-flive-patching=inline-clone", "-ffunction-sections",
         "-fdata-sections", "-c", "room.c", "-o", "plain.o"], cwd=src)
    plain = Entries(src / "plain.o")
    room = compile_obj(suture_cc, src, "-O2")
    # GCC leaves an unreachable body empty (size 0); ours holds a ud2
    # nobody executes, for the runtime to replace
    assert set(room.funcs) - set(plain.funcs) == {"unreachable"}
    for name in plain.funcs:
        ours = [t.replace("repz ret", "ret") for t in room.instructions(name)]
        assert ours == plain.instructions(name), name


# --- what runs: instructions counted by single-stepping with ptrace -----------

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
PTRACE_TRACEME, PTRACE_SINGLESTEP = 0, 9
ADDR_NO_RANDOMIZE = 0x0040000

CALLS = r"""
__attribute__((noinline)) int step(int x) { return x * 3 + 1; }
int main(void)
{
	int s = 0;
	for (int i = 0; i < 500; i++)
		s += step(i);
	return s == 374750 ? 0 : 1;
}
"""
PTRACE_GETREGS = 12
RIP = 16   # index of rip in struct user_regs_struct


def executed_in(program, functions):
    """Instructions PROGRAM executes inside FUNCTIONS (its own code: the C
    library's start-up depends on the program's layout, ours does not),
    from exec to exit, one ptrace single step at a time."""
    ranges = [(addr, addr + size) for name, (_, addr) in Entries(program).funcs.items()
              if name in functions
              for size in [function_sizes(program)[name]]]
    pid = os.fork()
    if pid == 0:
        libc.personality(ADDR_NO_RANDOMIZE)
        libc.ptrace(PTRACE_TRACEME, 0, None, None)
        os.execv(str(program), [str(program)])
    _, status = os.waitpid(pid, 0)   # stopped at the exec
    regs = (ctypes.c_ulong * 27)()
    inside = 0
    while os.WIFSTOPPED(status):
        libc.ptrace(PTRACE_GETREGS, pid, None, ctypes.byref(regs))
        inside += any(lo <= regs[RIP] < hi for lo, hi in ranges)
        libc.ptrace(PTRACE_SINGLESTEP, pid, None, None)
        _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    return inside


def test_an_unpatched_call_executes_nothing_more(suture_cc, tmp_path):
    """main calling a padded function 500 times executes, with the room,
    exactly the instructions of GCC's own level without padding; with the
    legacy NOP, one more per call (the NOP: 500 in step, 1 in main)."""
    (tmp_path / "calls.c").write_text(CALLS)
    common = ["-O2", "-static", "-fcf-protection=none", "calls.c"]
    run(["gcc", *common, "-flive-patching=inline-clone", "-ffunction-sections",
         "-fdata-sections", "-o", "plain"], cwd=tmp_path)
    run([suture_cc, *common, LEVEL, "-o", "room"], cwd=tmp_path)
    run([suture_cc, *common, LEVEL, LEGACY, "-o", "nop"], cwd=tmp_path)
    own = {"main", "step"}
    plain = executed_in(tmp_path / "plain", own)
    assert plain >= 500 * 4   # the call, the body's instructions, the loop
    assert executed_in(tmp_path / "room", own) == plain
    assert executed_in(tmp_path / "nop", own) == plain + 501


# --- the legacy form, and choosing the form ------------------------------------

def units(path):
    return json.loads(run([str(BUILD / "suture-units-dump"), str(path)]).stdout)


@pytest.mark.parametrize("cet", [False, True])
def test_legacy_form_is_one_nop_at_the_entry(suture_cc, src, cet):
    obj = compile_obj(suture_cc, src, "-O2", LEGACY,
                      "-fcf-protection" if cet else "-fcf-protection=none")
    for name in obj.funcs:
        first = obj.first(name, 2)
        assert [b for b, _ in first][:2 if cet else 1] == ([ENDBR64, NOP5] if cet else [NOP5])
    # the record points at the NOP: after endbr64 when there is one
    assert recorded_entries(src / "room.o") == {
        (section, addr + (4 if cet else 0)) for section, addr in obj.funcs.values()}
    [rec] = units(src / "room.o")
    assert rec["padding"] == "nop5" and "-fpatchable-function-entry=5" in rec["added"]


def test_form_from_the_environment_and_the_option_wins(suture_cc, src):
    env = dict(os.environ, SUTURE_CC_ENTRY="nop")
    run([suture_cc, "-O2", "-c", "room.c", "-o", "env.o", LEVEL], cwd=src, env=env)
    assert units(src / "env.o")[0]["padding"] == "nop5"
    run([suture_cc, "-O2", "-c", "room.c", "-o", "opt.o", LEVEL,
         "-fease-live-patching-entry=prefix"], cwd=src, env=env)
    [rec] = units(src / "opt.o")
    assert rec["padding"] == "prefix16"
    assert "-fpatchable-function-entry=16,16" in rec["added"]
    assert Entries(src / "opt.o").room("main") == " ".join(["cc"] * ROOM)


@pytest.mark.parametrize("args,env,message", [
    (["-fease-live-patching-entry=ftrace"], {},
     "unknown entry form 'ftrace' in '-fease-live-patching-entry=ftrace'; "
     "the forms are: prefix, nop"),
    (["-fease-live-patching-entry"], {},
     "'-fease-live-patching-entry' names no entry form; "
     "use '-fease-live-patching-entry=prefix' or '=nop'"),
    ([], {"SUTURE_CC_ENTRY": "nop7"},
     "unknown entry form 'nop7' in SUTURE_CC_ENTRY=nop7; the forms are: prefix, nop"),
])
def test_bad_entry_form_is_refused(suture_cc, src, args, env, message):
    proc = run([suture_cc, "-O2", "-c", "room.c", LEVEL, *args], cwd=src, check=False,
               env=dict(os.environ, **env))
    assert (proc.returncode, proc.stderr) == (2, f"suture-cc: {message}\n")
    assert not (src / "room.o").exists()


def test_entry_form_without_a_level_is_plain_gcc(suture_cc, src):
    proc = run([suture_cc, "-O2", "-c", "room.c", LEGACY], cwd=src)
    assert proc.stderr == ("suture-cc: warning: '-fease-live-patching-entry' has no effect "
                           "without '-fease-live-patching'; ignored\n")
    assert "__patchable_function_entries" not in run(["readelf", "-SW", "room.o"],
                                                     cwd=src).stdout
