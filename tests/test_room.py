"""The entry forms the runtime redirects (docs/entry-padding.md): the prefix
room that suture-cc makes by default (no instruction executed by an
unpatched call), GCC's own -fpatchable-function-entry=16,16 (any first
instruction), and the NOP at the entry (suture-cc's legacy form, GCC's
=5).  Real processes, real ptrace, each consistency model.

The target is tests/runtime-progs/rooms.c: functions whose first
instruction is RIP-relative, a push, a two-instruction function entered
directly, by a tail call and by a function pointer, a loop whose head is
the entry (a thread spinning in it), and a thread calling the smallest in
a tight loop (so it is stopped at every byte of its start over the runs;
tests/test_room_steps.py stops it at each on purpose); each status line
tells which version every path returned.  A function called from another
library through the PLT: tests/test_room_library.py."""

import time

import pytest

from conftest import run
from test_runtime import PROGS, build, snapshot, starting
from test_thread_model import Prog

FORMS = {
    "room": dict(cc=True, extra=[]),
    "gcc-16,16": dict(cc=False, extra=["-fpatchable-function-entry=16,16"]),
    "nop5": dict(cc=True, extra=["-fease-live-patching-entry=nop"]),
    "gcc-5": dict(cc=False, extra=[]),
}
PATHS = ["rip", "push", "tiny", "tail", "ptr", "loop"]


@pytest.fixture(scope="module", params=list(FORMS))
def rooms(request, suture, suture_cc, tmp_path_factory):
    form = FORMS[request.param]
    b = build(suture, tmp_path_factory.mktemp(request.param.replace(",", "_")), "rooms.c",
              extra=[*form["extra"], f"-I{PROGS}"], variants=["V2", "V3"],
              cc=suture_cc if form["cc"] else None)
    b["form"] = request.param
    return b


@pytest.fixture
def start(tmp_path):
    yield from starting(tmp_path, Prog)


def versions(t):
    """The version each path returned, in a status line printed from now
    on.  The waiter may be in a wait that began before suture finished
    (and it runs when the machine lets it): its answer counts from the
    third wait ended after the first line printed from now on."""
    first = t.counters()
    deadline = time.time() + 20
    c = t.counters()
    while c["waits"] < first["waits"] + 3:
        assert time.time() < deadline, c
        c = t.counters()
    return {k: c[k] for k in PATHS}, c


def entry_bytes(pid, prog):
    return snapshot(pid, prog)[1]


@pytest.mark.parametrize("model", ["thread", "stop", "none"])
def test_apply_and_revert_each_form(suture, rooms, start, model):
    t = start(rooms["prog"])
    code = entry_bytes(t.pid, rooms["prog"])
    for _ in range(3):
        run([suture, "apply", "--consistency", model, "--timeout", "20", str(t.pid), str(rooms["V2"])])
        v, c = versions(t)
        assert v == {k: 1000 for k in PATHS}, (rooms["form"], v)
        run([suture, "revert", "--timeout", "20", str(t.pid), "v2"])
        v, c = versions(t)
        assert v == {k: 1 for k in PATHS}, (rooms["form"], v)
        # the function's bytes and its room exactly as they were
        assert entry_bytes(t.pid, rooms["prog"]) == code
    assert c["bad"] == 0 and c["calls"] > 0


@pytest.mark.parametrize("model", ["thread", "stop", "none"])
def test_stacking_and_revert_in_order(suture, rooms, start, model):
    t = start(rooms["prog"])
    code = entry_bytes(t.pid, rooms["prog"])
    for patch in ["V2", "V3"]:
        run([suture, "apply", "--consistency", model, "--timeout", "20", str(t.pid), str(rooms[patch])])
    assert versions(t)[0] == {k: 2000 for k in PATHS}
    r = run([suture, "revert", str(t.pid), "v2"], check=False)
    assert r.returncode == 1 and "revert 'v3' first" in r.stderr
    run([suture, "revert", "--timeout", "20", str(t.pid), "v3"])
    assert versions(t)[0] == {k: 1000 for k in PATHS}
    run([suture, "revert", "--timeout", "20", str(t.pid), "v2"])
    v, c = versions(t)
    assert v == {k: 1 for k in PATHS} and c["bad"] == 0
    assert entry_bytes(t.pid, rooms["prog"]) == code


def test_hammered_function_patched_many_times(suture, rooms, start):
    """A thread calls tiny() in a tight loop while it is patched and
    reverted again and again under each model: whatever byte of its start
    the thread stood at, every call returns an answer of one version."""
    if rooms["form"] not in ("room", "gcc-16,16"):
        pytest.skip("the NOP form is covered by tests/test_runtime.py")
    t = start(rooms["prog"])
    for model in ["thread", "stop", "none"] * 4:
        run([suture, "apply", "--consistency", model, "--timeout", "20", str(t.pid), str(rooms["V2"])])
        run([suture, "revert", "--timeout", "20", str(t.pid), "v2"])
    v, c = versions(t)
    assert c["bad"] == 0 and v == {k: 1 for k in PATHS}
