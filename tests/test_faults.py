"""suture SIGKILLed at each of its steps (the SUTURE_FAULT points) of
apply and revert, under each consistency model (bench/faults.py, which
also prints the README's table): the target stays alive, answers with the
old or the new code, status says which, and the next revert and a whole
new apply/revert cycle work."""
import pathlib
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
