"""The short version of bench/mutate_apply.py: mutated copies of a real
patch through `suture apply` against a live target.  Damaged files are all
refused by the checksum; forged ones (records, headers and tables changed,
checksum fixed) are refused or applied correctly.  Never a changed target
after a refusal, a wrong answer, a dead target or a crashed suture."""
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import mutate_apply  # noqa: E402


@pytest.mark.parametrize("mode,count", [("damaged", 60), ("forged", 30)])
def test_mutated_patches_against_live_target(suture, tmp_path, mode, count):
    counts = mutate_apply.campaign(suture, count, mode, seed=7, work=tmp_path)
    assert counts["tried"] == count
    assert not mutate_apply.failed(counts), counts
    if mode == "damaged":
        assert counts["refused"] == count, counts
    else:
        assert counts["refused"] > 0, counts
