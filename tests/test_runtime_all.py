"""apply, revert and status over several processes: PID... and --all.

`apply --all` finishes an interrupted rollout (the processes that run the
patch already are counted and skipped); `revert --all` reverts every
process it can and ends with the exact list of those still running the
patch; --all over 1,000 processes draws its progress on a terminal; status
takes several PIDs, and without any lists only patched processes."""
import os
import pty
import re
import signal
import subprocess
import threading

import pytest

from conftest import run
from schemacheck import run_json, validated
from test_runtime import PROGS, build, is_answer_patch, is_original, start  # noqa: F401

# --all sees every process on the machine: these tests run one after another
# on one xdist worker, with the other tests that use it (test_runtime.py)
pytestmark = pytest.mark.xdist_group("all-processes")


@pytest.fixture
def own(suture, tmp_path):
    """A ticker of its own (answer() adds 7) and two patches of answer():
    no process of another test runs this build."""
    return build(suture, tmp_path, extra=["-DORIG_ADD=7"], variants=["ANSWER", "ANSWER2"], prefix="own_")


def apply_all(suture, t, *opts, check=True):
    return run([suture, "apply", "--consistency", "stop", "--target", str(t["prog"]), *opts, "--all",
                str(t["ANSWER"])], check=check)


def patches_of(suture, pid):
    st = run_json([suture, "status", "--json", str(pid)])
    return [p["name"] for p in st["processes"][0]["patches"]]


def test_apply_all_completes_a_partial_rollout(suture, own, start):
    ts = [start(own["prog"]) for _ in range(3)]
    run([suture, "apply", "--consistency", "stop", str(ts[1].pid), str(own["ANSWER"])])
    r = apply_all(suture, own, "--json")
    doc = validated("apply", r.stdout)
    assert {p["pid"]: p["result"] for p in doc["processes"]} == {
        ts[0].pid: "applied", ts[1].pid: "already-applied", ts[2].pid: "applied"}
    assert doc["counts"] == {"applied": 2, "already-applied": 1} and doc["exit_status"] == 0
    for t in ts:
        assert is_answer_patch(t.next_values())
        assert patches_of(suture, t.pid) == ["own_answer"]
    r = apply_all(suture, own)
    assert r.stdout == "nothing to do: 'own_answer' already runs in all 3 processes\n"


def test_revert_all_lists_what_still_runs(suture, own, start):
    """One process has a newer patch stacked on the same function: it cannot
    revert the older one; the others are reverted, and the end says exactly
    which process still runs it and why (exit 1)."""
    ts = [start(own["prog"]) for _ in range(3)]
    apply_all(suture, own)
    stuck = ts[1]
    run([suture, "apply", "--consistency", "stop", str(stuck.pid), str(own["ANSWER2"])])
    r = run([suture, "revert", "--all", "own_answer"], check=False)
    assert r.returncode == 1, r.stderr
    # (a process patched by another version of suture, on a shared machine,
    # would be listed after, under "cannot tell whether")
    assert r.stderr.splitlines()[:2] == [
        "suture revert: 1 process still runs 'own_answer':",
        f"  process {stuck.pid} (prog): patch 'own_answer' cannot be reverted while patch 'own_answer2', "
        "applied after it, also replaces answer: revert 'own_answer2' first"]
    assert r.stderr.count("still run") == 1
    assert r.stdout == "reverted 'own_answer' in 2 processes\n"
    for t in ts:
        assert patches_of(suture, t.pid) == (["own_answer", "own_answer2"] if t is stuck else [])
        if t is not stuck:
            assert is_original(t.next_values())
    r = run([suture, "revert", "--json", str(stuck.pid), "own_answer2", ], check=False)
    assert validated("revert", r.stdout)["counts"] == {"reverted": 1}
    r = run([suture, "revert", "--json", "--all", "own_answer"], check=False)
    doc = validated("revert", r.stdout)
    assert [(p["pid"], p["result"]) for p in doc["processes"] if p["result"] != "unknown"] == [
        (stuck.pid, "reverted")]
    assert is_original(stuck.next_values())


def test_revert_all_cannot_read_a_record(suture, own, start, tmp_path):
    """A process whose record of patches this suture cannot read (another
    version's) is reported apart, never as running the patch (exit 1)."""
    other = tmp_path / "otherstate"
    run(["gcc", "-O2", str(PROGS / "otherstate.c"), "-o", str(other)])
    odd = start(other)
    t = start(own["prog"])
    apply_all(suture, own)
    r = run([suture, "revert", "--all", "own_answer"], check=False)
    assert r.returncode == 1
    assert "still run" not in r.stderr
    lines = r.stderr.splitlines()
    assert re.fullmatch(r"suture revert: cannot tell whether \d+ process(es run|) runs? 'own_answer':|"
                        r"suture revert: cannot tell whether \d+ process(es)? runs? 'own_answer':", lines[0])
    assert any(line.startswith(f"  process {odd.pid} (otherstate) holds suture")
               and "version 99; this suture reads version " in line for line in lines), lines
    assert r.stdout == "reverted 'own_answer' in 1 process\n"
    assert is_original(t.next_values())
    r = run([suture, "revert", "--json", "--dry-run", str(odd.pid), "own_answer"], check=False)
    (p,) = validated("revert", r.stdout)["processes"]
    assert r.returncode == 1 and p["result"] == "unknown" and "version 99" in p["message"]


def test_apply_all_without_build_id_needs_target(suture, own, start):
    t = start(own["prog"])
    r = run([suture, "apply", "--consistency", "stop", "--all", str(own["ANSWER"])], check=False)
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "patch 'own_answer' names no build-id" in r.stderr and "--target FILE" in r.stderr
    assert patches_of(suture, t.pid) == []
    r = run([suture, "apply", "--consistency", "stop", "--target", "/bin/true", str(t.pid), str(own["ANSWER"])],
            check=False)
    assert r.returncode == 1 and f"process {t.pid} (prog) does not map /bin/true" in r.stderr
    assert patches_of(suture, t.pid) == []


def test_status_several_and_only_patched(suture, own, start):
    ts = [start(own["prog"]) for _ in range(3)]
    run([suture, "apply", "--consistency", "stop", str(ts[0].pid), str(ts[2].pid), str(own["ANSWER"])])
    r = run([suture, "status", str(ts[0].pid), str(ts[1].pid)])
    assert re.findall(r"^process (\d+) \(prog\): (\d) patch", r.stdout, re.M) == [
        (str(ts[0].pid), "1"), (str(ts[1].pid), "0")]
    listed = {p["pid"] for p in run_json([suture, "status", "--json"])["processes"]}
    assert ts[0].pid in listed and ts[2].pid in listed and ts[1].pid not in listed
    run([suture, "revert", str(ts[0].pid), "own_answer"])      # its record stays, empty
    text = run([suture, "status"]).stdout
    assert f"process {ts[2].pid} (prog)" in text and f"process {ts[0].pid} " not in text
    # in a PID namespace of its own, no process has a patch
    r = run(["unshare", "--pid", "--fork", "--mount-proc", suture, "status"])
    assert r.stdout == "no process has a patch applied\n"


def on_terminal(cmd):
    """Runs CMD with its stderr on a pseudo-terminal; returns (exit status,
    stdout, everything written to the terminal)."""
    master, slave = pty.openpty()
    chunks = []

    def drain():
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)
    reader = threading.Thread(target=drain)
    reader.start()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    reader.join(timeout=10)
    os.close(master)
    return p.returncode, p.stdout, b"".join(chunks).decode(errors="replace")


def running_many_work(suture, group):
    """The processes of GROUP (a process group) that run patch many_work."""
    doc = run_json([suture, "status", "--json"])
    return {p["pid"] for p in doc["processes"]
            if any(x["name"] == "many_work" and x["state"] == "applied" for x in p["patches"])
            and os.getpgid(p["pid"]) == group}


def test_all_over_1000_processes(suture, tmp_path):
    t = build(suture, tmp_path, src_name="many.c", variants=["WORK"], prefix="many_")
    group = subprocess.Popen([str(t["prog"]), "1000"], stdout=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        assert group.stdout.readline() == "ready\n"
        rc, out, term = on_terminal([suture, "apply", "--consistency", "stop", "--target", str(t["prog"]),
                                     "--all", str(t["WORK"])])
        assert rc == 0, term
        assert out == "applied 'many_work' to 1000 processes\n"
        assert "\rsuture apply: 1000/1000 processes looked at, 1000 patched" in term
        assert term.endswith("\r\033[K")    # the line is erased at the end
        # what the summary says, each process's own record says too
        assert len(running_many_work(suture, group.pid)) == 1000
        rc, out, term = on_terminal([suture, "revert", "--all", "many_work"])
        # exit 1 only for processes of another suture version on a shared machine
        assert rc == 0 or ("cannot tell whether" in term and "still run" not in term), term
        assert out == "reverted 'many_work' in 1000 processes\n"
        assert re.search(r"\rsuture revert: \d+/\d+ processes looked at, 1000 reverted", term)
        assert running_many_work(suture, group.pid) == set()
    finally:
        os.killpg(group.pid, signal.SIGKILL)
        group.wait()
