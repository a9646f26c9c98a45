"""suture SIGKILLed at each of its steps (the SUTURE_FAULT points) of
apply and revert, under each consistency model (bench/faults.py, which
also prints the README's table): the target stays alive, answers with the
old or the new code, status says which, and the next revert and a whole
new apply/revert cycle work."""
import pathlib
import signal
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import faults  # noqa: E402


def test_every_fault_point_is_reached():
    """Each point named is one suture passes: grep finds it in src/."""
    sources = "".join(p.read_text() for p in (ROOT / "src" / "runtime").glob("*.c"))
    for point in {pt for pts in faults.POINTS.values() for pt in pts}:
        assert f'fault_point("{point}")' in sources, point


@pytest.mark.parametrize("model", faults.MODELS)
def test_killed_at_every_step(suture, tmp_path, model):
    rows = faults.run_cases(suture, tmp_path, [c for c in faults.CASES if c[0] == model])
    assert len(rows) == sum(len(p) for p in faults.POINTS.values())
    bad = [r for r in rows if faults.failed(r)]
    assert not bad, faults.table(bad)
    # the kill changes what runs at the switch, and status follows it
    runs = {(r["op"], r["point"]): r["answers"] for r in rows}
    assert runs[("apply", "loaded")] == "old" and runs[("apply", "switched")] == "new"
    assert runs[("revert", "phase1")] == "new" and runs[("revert", "switched")] == "old"


def record_mappings(pid):
    maps = pathlib.Path(f"/proc/{pid}/maps").read_text()
    return sum("/memfd:suture-state" in line for line in maps.splitlines())


def test_killed_as_a_first_patch_makes_the_record(suture, tmp_path):
    """suture killed between mapping a process's record and writing
    anything in it (a first patch): the process runs on, unpatched;
    status finds no patch; the next apply makes its record in that
    mapping (one record, not a second beside the blank one), and apply
    and revert work."""
    prog, patch = faults.build(suture, tmp_path)
    target = faults.Target(prog, tmp_path, ["-t", "2"])
    try:
        r = faults.suture_run(suture, "apply", target.proc.pid, patch, fault="record")
        assert r.returncode == -signal.SIGKILL, r.stderr
        assert record_mappings(target.proc.pid) == 1
        assert target.alive() and faults.answers_are(target.values()) == "old"
        assert faults.status(suture, target.proc.pid) == (0, [])
        assert faults.cycle_works(suture, target, "thread", patch)
        assert record_mappings(target.proc.pid) == 1
    finally:
        target.kill()
