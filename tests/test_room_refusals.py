"""What the room form cannot redirect is refused before anything changes
(issue 12, "Safe by construction"): a function shorter than the 2-byte
jump, a jump of the function landing inside the instructions the jump
displaces, a displaced instruction that cannot be moved (a `call`).  Only
GCC's own -fpatchable-function-entry=16,16 makes these shapes (suture-cc
writes a 1-byte first instruction in a longer form and its code never
starts with a call); the target is tests/runtime-progs/roomrefuse.c, one
patch per shape.

Each refusal: exit 1, one line naming the process and the function, the
process's maps and code byte for byte as they were, and it goes on
printing the old answers.  suture audit should say the same as apply
about which functions are patchable (it does not yet: strict xfails)."""
import json
import re

import pytest

from conftest import run
from test_runtime import build, snapshot, starting, Target

GCC_ROOM = ["-fpatchable-function-entry=16,16", "-fcf-protection=none"]
# variant -> the function it changes and the reason its refusal gives
SHAPES = {
    "ONE": ("one", "is 1 byte long, shorter than the 2-byte jump that redirects it"),
    "INTO": ("into", "the instruction at +0x6 jumps to +0x1, inside the 3 bytes its redirection replaces"),
    "CALL": ("called", "its first instructions include 'call 0x"),
}


@pytest.fixture(scope="module")
def refuse(suture, tmp_path_factory):
    return build(suture, tmp_path_factory.mktemp("roomrefuse"), "roomrefuse.c", extra=GCC_ROOM,
                 variants=list(SHAPES))


@pytest.fixture
def start(tmp_path):
    yield from starting(tmp_path, Target)


def answers(t):
    """The last status line printed from now on."""
    n = t.text().count("\n")
    t.wait_for(r"(?:.*\n){%d}one=.*\n" % (n + 1))
    return re.findall(r"^one=.*$", t.text(), re.M)[-1]


def refusal(suture, t, patch, model):
    before = snapshot(t.pid, t.proc.args[0])
    r = run([suture, "apply", "--consistency", model, str(t.pid), str(patch)], check=False)
    assert snapshot(t.pid, t.proc.args[0]) == before
    return r


@pytest.mark.parametrize("model", ["thread", "stop", "none"])
@pytest.mark.parametrize("variant", list(SHAPES))
def test_refused_and_nothing_changed(suture, refuse, start, variant, model):
    t = start(refuse["prog"])
    assert answers(t) == "one=0 into=2 called=7"
    r = refusal(suture, t, refuse[variant], model)
    func, why = SHAPES[variant]
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith(f"suture apply: process {t.pid} (prog): function '{func}' ")
    assert why in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert answers(t) == "one=0 into=2 called=7"
    st = json.loads(run([suture, "status", "--json", str(t.pid)]).stdout)
    assert st["processes"][0]["patches"] == []


@pytest.mark.parametrize("variant", list(SHAPES))
def test_refusal_says_what_to_do(suture, refuse, start, variant):
    """The fix a user can make: suture-cc's room (a longer first
    instruction) or its legacy NOP form (-fease-live-patching-entry=nop),
    which redirects any function."""
    t = start(refuse["prog"])
    r = refusal(suture, t, refuse[variant], "thread")
    assert "suture-cc" in r.stderr, r.stderr


def audit(suture, prog):
    return json.loads(run([suture, "audit", "--json", str(prog)]).stdout)["files"][0]


@pytest.mark.xfail(strict=True, reason="suture audit counts a room whose first instruction is a "
                                        "call as padding, though apply refuses it")
def test_audit_does_not_call_refused_functions_patchable(suture, refuse):
    assert not {"one", "into", "called"} & set(audit(suture, refuse["prog"])["padded"])


@pytest.mark.xfail(strict=True, reason="suture audit says GCC's room with a 1-byte first "
                                        "instruction has no entry padding, though apply patches it")
def test_audit_counts_gcc_room_with_a_one_byte_first_instruction(suture, refuse):
    assert "pushes" in audit(suture, refuse["prog"])["padded"]
