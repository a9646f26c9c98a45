"""A thread stopped at each instruction of a function's start, and in its
room while the room is in use, at the moment suture writes the entry
(issue 12), under each consistency model, in both room forms (suture-cc's
and GCC's own -fpatchable-function-entry=16,16); and while a second patch
is stacked on the first and reverted.

tests/stepto.c single-steps one thread of tests/runtime-progs/rooms.c to
the wanted instruction and leaves the whole process stopped there (a group
stop, as after SIGSTOP); the kernel's /proc/PID/task/TID/syscall says where
the thread stands.  suture then applies or reverts while nothing in the
process can move, so what it writes meets the thread exactly there; the
process is continued (SIGCONT) and must go on with answers of one version
and the version asked for.  What suture may do meanwhile depends on the
model, and is checked too:

- where the thread stands in code the transition must wait for (the
  function being replaced on apply, the patch's code on revert): `stop`
  writes nothing until the thread has moved on; `thread` redirects the
  entry to the slot at once (harmless: the thread keeps its universe) and
  finishes once the thread has moved on; `none` finishes at once;
- strictly inside the instructions the room form displaces (GCC's form
  displaces `push %rbp; mov %edi,%ebp` together): no model writes there
  until the thread has moved on;
- at the room's jump: no unwind information covers the room, so `thread`
  and `stop` count the thread as busy today (as inside); finishing at once
  is as good, if what is written back lets the thread go on;
- anywhere else: every model finishes while the process is stopped."""
import json
import os
import pathlib
import signal
import subprocess
import time

import pytest

from conftest import run
from roomutil import Entries, ROOM
from test_room import FORMS
from test_runtime import PROGS, build, starting
from test_thread_model import Prog

HERE = pathlib.Path(__file__).resolve().parent
MODELS = ["thread", "stop", "none"]
# (operation, function, where): "insn N" is the function's Nth instruction
# (unpatched), "entry" its first bytes (the 2-byte jump), "room" the room's
# jump, "new" the new version's first instruction (patched).  The hammer
# thread calls tiny; the main thread push_first.  The patch replaces that
# function alone (PATCH_TINY, PATCH_PUSH), so no other thread is ever in
# what it replaces.
POSITIONS = [("apply", "tiny", "insn 0"), ("apply", "tiny", "insn 1"),
             ("apply", "push_first", "insn 0"), ("apply", "push_first", "insn 1"),
             ("apply", "push_first", "insn 2"), ("apply", "push_first", "insn 3"),
             ("revert", "tiny", "entry"), ("revert", "tiny", "room"), ("revert", "tiny", "new"),
             ("revert", "push_first", "entry"), ("revert", "push_first", "room")]
PATCHES = {"tiny": "TINY", "push_first": "PUSH"}   # and TINY2, stacked on TINY


def position_params():
    for op, func, where in POSITIONS:
        yield pytest.param(op, func, where, id=f"{op}-{func}-{where.replace(' ', '')}")


@pytest.fixture(scope="module", params=["room", "gcc-16,16"])
def rooms(request, suture, suture_cc, tmp_path_factory):
    form = FORMS[request.param]
    b = build(suture, tmp_path_factory.mktemp(request.param.replace(",", "_")), "rooms.c",
              extra=[*form["extra"], f"-I{PROGS}"], variants=[*PATCHES.values(), "TINY2"],
              cc=suture_cc if form["cc"] else None)
    b["form"] = request.param
    b["entries"] = Entries(b["prog"])
    return b


@pytest.fixture(scope="module")
def stepto(tmp_path_factory):
    exe = tmp_path_factory.mktemp("stepto") / "stepto"
    run(["gcc", "-O2", "-Wall", "-Werror", str(HERE / "stepto.c"), "-o", str(exe)])
    return exe


@pytest.fixture
def start(tmp_path):
    yield from starting(tmp_path, Prog)


def load_bias(pid, prog):
    for line in pathlib.Path(f"/proc/{pid}/maps").read_text().splitlines():
        if line.split()[-1] == str(prog):
            return int(line.split("-")[0], 16)
    raise AssertionError(f"{prog} is not mapped in {pid}")


def instruction_starts(entries, func, bias, count=4):
    """The addresses of FUNC's first COUNT instructions in the process."""
    section, addr = entries.funcs[func]
    starts = []
    while len(starts) < count:
        starts.append(bias + addr)
        addr += len(entries.code[section][addr][0].split())
    return starts


def new_address(suture, pid, func, patch_name):
    st = run([suture, "status", "--json", str(pid)]).stdout
    patch = next(p for p in json.loads(st)["processes"][0]["patches"] if p["name"] == patch_name)
    return next(int(f["new_address"], 16) for f in patch["functions"] if f["name"] == func)


def thread_named(pid, comm):
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        if (task / "comm").read_text().strip() == comm:
            return int(task.name)
    raise AssertionError(f"no thread {comm} in {pid}")


def entry_code(pid, addrs):
    """The room and the first bytes of each function at ADDRS, as they are."""
    with open(f"/proc/{pid}/mem", "rb") as mem:
        out = []
        for a in addrs:
            mem.seek(a - ROOM)
            out.append(mem.read(ROOM + 8))
        return out


def expectation(model, inside, mid):
    """What suture may do while the process stays stopped: "finishes",
    "redirects" (writes the entry but waits for the thread) or "waits"
    (writes nothing)."""
    if mid:
        return "waits"
    if not inside or model == "none":
        return "finishes"
    return "redirects" if model == "thread" else "waits"


def while_stopped(cmd, pid, addrs, hope):
    """Runs suture's CMD while the process is stopped; what it did before
    the process was continued (SIGCONT): "finishes", "redirects", "waits".
    Then its exit status and stderr once it is done.  HOPE "waits": only
    look a second (while nothing in the process moves, suture either
    acts at once or waits for it)."""
    before = entry_code(pid, addrs)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + (1.0 if hope == "waits" else 10)
    seen = "waits"
    while time.time() < deadline:
        if proc.poll() is not None:
            seen = "finishes"
            break
        if entry_code(pid, addrs) != before and seen == "waits":
            seen = "redirects"
            deadline = min(deadline, time.time() + 2.0)   # finishing, if it does, follows at once
        time.sleep(0.005)
    os.kill(pid, signal.SIGCONT)
    _, err = proc.communicate(timeout=60)
    return seen, proc.returncode, err


def with_thread_at(stepto, t, tid, at, cmd, expect, watched):
    """Stops thread TID of T at AT, the process stopped with it; runs
    suture's CMD; continues the process.  What suture did meanwhile must
    be one of EXPECT, and it must succeed."""
    r = run([str(stepto), str(t.pid), str(tid), hex(at)])
    assert r.stdout.strip() == f"rip={at:#x}", r.stdout   # the kernel says it stands there
    seen, rc, err = while_stopped(cmd, t.pid, watched, "waits" if "waits" in expect else "finishes")
    assert rc == 0, err
    assert seen in expect, (seen, err)


def answers(t):
    """A status line whose answers were all computed from now on."""
    t.counters()
    return t.counters()


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("op,func,where", list(position_params()))
def test_thread_stopped_at_each_instruction_of_the_start(request, suture, rooms, stepto, start, model, op,
                                                         func, where):
    patch = rooms[PATCHES[func]]
    t = start(rooms["prog"])
    bias = load_bias(t.pid, rooms["prog"])
    funcs = {f: instruction_starts(rooms["entries"], f, bias) for f in ("tiny", "push_first")}
    entry = funcs[func][0]
    displaced = 2 if rooms["form"] == "room" else 3   # GCC's form: push %rbp (1) + mov (2)
    if op == "revert":
        run([suture, "apply", "--consistency", model, "--timeout", "20", str(t.pid), str(patch)])
        at = {"entry": entry, "room": entry - ROOM, "new": new_address(suture, t.pid, func, patch.stem)}[where]
        inside, mid = where == "new", False
    else:
        at = funcs[func][int(where.split()[1])]
        inside, mid = True, entry < at < entry + displaced
    tid = thread_named(t.pid, "hammer") if func == "tiny" else t.pid
    cmd = [suture, op, *(["--consistency", model] if op == "apply" else []), "--timeout", "20",
           str(t.pid), str(patch) if op == "apply" else patch.stem]
    expect = {expectation(model, inside, mid)}
    if where == "room":
        expect.add(expectation(model, True, False))
        if op == "revert" and model == "none" and rooms["form"] == "room":
            # the room gets its int3 back only once the thread has left its
            # jump: suture may write the entry meanwhile, never finish
            expect = {"waits", "redirects"}
    with_thread_at(stepto, t, tid, at, cmd, expect, [funcs["tiny"][0], funcs["push_first"][0]])
    # going on from there: every answer of one version, the version asked for
    c = answers(t)
    want = 1000 if op == "apply" else 1
    path = {"tiny": "tiny", "push_first": "push"}[func]
    assert t.alive() and c["bad"] == 0 and c[path] == want, c


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("op", ["stack", "unstack"])
@pytest.mark.parametrize("where", ["entry", "room", "new"])
def test_thread_stopped_while_a_second_patch_comes_and_goes(suture, rooms, stepto, start, model, op, where):
    """tiny patched (TINY), then a second patch on it (TINY2) applied, or
    reverted, while the hammer stands at the entry's jump, the room's jump,
    or the version on top (TINY's when stacking, TINY2's when unstacking).
    Nothing is written back to what it was built as, so the room keeps a
    jump either way.  suture-cc's room only: GCC's differs in nothing
    stacking touches."""
    if rooms["form"] != "room":
        pytest.skip("stacking writes only jumps, the same in both room forms")
    t = start(rooms["prog"])
    entry = instruction_starts(rooms["entries"], "tiny", load_bias(t.pid, rooms["prog"]))[0]
    apply = [suture, "apply", "--consistency", model, "--timeout", "20", str(t.pid)]
    run([*apply, str(rooms["TINY"])])
    if op == "unstack":
        run([*apply, str(rooms["TINY2"])])
    top = "tiny2" if op == "unstack" else "tiny"
    at = {"entry": entry, "room": entry - ROOM, "new": new_address(suture, t.pid, "tiny", top)}[where]
    cmd = [*apply, str(rooms["TINY2"])] if op == "stack" else \
        [suture, "revert", "--timeout", "20", str(t.pid), "tiny2"]
    # stacking replaces the function and the version below: the entry is
    # inside the one, "new" the other; unstacking replaces the top's code
    inside = where == "new" or (op == "stack" and where == "entry")
    expect = {expectation(model, inside, False)}
    if where == "room":
        expect.add(expectation(model, True, False))
    with_thread_at(stepto, t, thread_named(t.pid, "hammer"), at, cmd, expect, [entry])
    c = answers(t)
    assert t.alive() and c["bad"] == 0 and c["tiny"] == (2000 if op == "stack" else 1000), c
