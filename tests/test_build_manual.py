"""suture build --manual SRC.c, the kGraft way: the user writes the fixed
functions by hand with <suture/patch.h>, names the target's private static
with SUTURE_STATIC, and suture build compiles the source as the target's
unit was compiled, resolves the static against the target and checks the
target's impacted lists: fee() was inlined by GCC into charge() and
refund(), so a patch of fee() alone is refused with those two named (or,
with --force, written with a warning for each), and one that brings them
is written and applied live."""
import json
import time

import pytest

from buildutil import SUTURE_CC, project, running, snapshot
from conftest import run

FEE = """
extern int fee_percent SUTURE_STATIC("ledger.c", fee_percent);

/* The fix: the fee is at least 1. */
static int fee(int amount)
{
	int f = amount * fee_percent / 100;
	return f < 1 ? 1 : f;
}
"""

CALLERS = """
/* GCC inlined fee() into both: they come with it. */
int charge(int amount)
{
	return amount + fee(amount);
}

int refund(int amount)
{
	return amount - fee(amount);
}

static void patched(void)
{
}
SUTURE_POST_PATCH(patched);
"""


@pytest.fixture
def ledger(tmp_path):
    tree = project("ledger", tmp_path)
    run(["make", "-C", str(tree), f"CC={SUTURE_CC}"])
    return tree


def patch_source(tmp_path, name, *parts):
    path = tmp_path / name
    path.write_text('#include <suture/patch.h>\n#include "ledger.h"\n' + "".join(parts))
    return path


def manual(suture, source, target, patch, *extra):
    return run([suture, "build", "--manual", str(source), "--target", str(target), *extra,
                "-o", str(patch)], check=False)


def test_complete_manual_patch_applied_live(ledger, tmp_path, suture):
    before = snapshot(ledger)
    source = patch_source(tmp_path, "fix.c", FEE, CALLERS)
    patch = tmp_path / "fix.patch"
    r = manual(suture, source, ledger / "ledger", patch, "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    changed = {f["name"] for f in report["functions"] if f["state"] == "changed"}
    assert changed == {"charge", "refund"}
    assert report["warnings"] == [] and report["refusals"] == []
    info = json.loads(run([suture, "info", "--json", str(patch)]).stdout)
    assert [o["build_id"] for o in info["objects"]] == [report["targets"][0].split()[1]]
    assert "fee_percent (static, ledger.c)" in run([suture, "info", str(patch)]).stdout
    assert [c["kind"] for c in info["callbacks"]] == ["post-patch"]
    assert snapshot(ledger) == before

    # fee_percent 0: the target's own private static (a copy in the patch
    # would hold 2 and charge 1020)
    out = tmp_path / "out.txt"
    with running(ledger / "ledger", out, "0") as proc:
        run([suture, "apply", "--consistency", "stop", str(proc.pid), str(patch)])
        time.sleep(0.3)
        patched_at = len(out.read_text().splitlines())
        run([suture, "revert", str(proc.pid), "fix"])
        time.sleep(0.3)
    lines = out.read_text().splitlines()
    assert lines[0] == "charge 1000 refund 1000"
    assert lines[patched_at - 1] == "charge 1001 refund 999"
    assert lines[-1] == "charge 1000 refund 1000"


def test_manual_patch_without_its_impacted_functions(ledger, tmp_path, suture):
    before = snapshot(ledger)
    source = patch_source(tmp_path, "fee-only.c", FEE)
    patch = tmp_path / "fee.patch"
    r = manual(suture, source, ledger / "ledger", patch)
    assert r.returncode == 1
    errors = r.stderr.splitlines()
    for caller in ("charge", "refund"):
        line = next(e for e in errors if f"fee-only.c: {caller}: " in e)
        assert "incomplete patch" in line and "fee was inlined into it" in line
        assert f"define {caller} in fee-only.c" in line and "--force" in line
    assert errors[-1].endswith("not written")
    assert not patch.exists()

    r = manual(suture, source, ledger / "ledger", patch, "--force")
    assert r.returncode == 0, r.stderr
    warnings = [e for e in r.stderr.splitlines() if "warning:" in e]
    assert len(warnings) == 2 and all("keep running the old code of fee" in w for w in warnings)
    assert patch.exists()
    assert snapshot(ledger) == before


@pytest.mark.parametrize("body, status, says", [
    ("int unrelated(void) { return 1; }\n", 1, "defines no function of"),
    ("int charge(int amount) { return amount +; }\n", 1, "failed"),
], ids=["replaces-nothing", "does-not-compile"])
def test_bad_patch_source(ledger, tmp_path, suture, body, status, says):
    before = snapshot(ledger)
    source = patch_source(tmp_path, "bad.c", body)
    patch = tmp_path / "bad.patch"
    r = manual(suture, source, ledger / "ledger", patch)
    assert r.returncode == status
    assert says in r.stderr.splitlines()[0] and "bad.c" in r.stderr.splitlines()[0]
    assert not patch.exists()
    assert snapshot(ledger) == before


def test_tree_newer_than_the_target_is_refused(ledger, tmp_path, suture):
    """The target shipped; then the tree changed and was built again: its
    unit objects are not the target's, so a patch compared with them would
    expect other bytes.  Refused at build time, nothing written."""
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "ledger").write_bytes((ledger / "ledger").read_bytes())
    source = ledger / "ledger.c"
    source.write_text(source.read_text().replace("amount - fee(amount)", "amount - 2 * fee(amount)"))
    run(["make", "-C", str(ledger), f"CC={SUTURE_CC}"])
    patch = tmp_path / "fix.patch"
    r = manual(suture, patch_source(tmp_path, "fix.c", FEE, CALLERS), shipped / "ledger", patch)
    assert r.returncode == 1 and r.stderr.count("\n") == 1, r.stderr
    assert f"not those {shipped / 'ledger'} was built from" in r.stderr
    assert "function 'refund'" in r.stderr
    assert not patch.exists()
