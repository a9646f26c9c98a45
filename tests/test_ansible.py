"""The Ansible module suture_patch, run by Debian's ansible-playbook
against this host (local connection) through the example playbook
ansible/rollout.yml: apply to running processes found by their name, a
second run reports no change, check mode changes nothing, revert; and a
rollout over two hosts, one batch at a time, stops at the first failure."""
import json
import os
import re
import shutil

import pytest

from conftest import BUILD, ROOT, run
from schemacheck import run_json, validated
from test_runtime import build, start  # noqa: F401

PLAYBOOK = ROOT / "ansible" / "rollout.yml"

# Both tests run programs named fleetprog and find them by that name: one
# after another on one xdist worker (scripts/check.sh: --dist loadgroup)
pytestmark = [pytest.mark.skipif(not shutil.which("ansible-playbook"),
                                 reason="ansible-core is not installed (scripts/install-deps.sh)"),
              pytest.mark.xdist_group("fleetprog")]


def playbook(tmp_path, *args, inventory="localhost,", check=True, env=None):
    """Runs the example playbook; returns (exit status, [(host, status,
    result)] of every task, in order) read from Ansible's minimal output."""
    env = dict(os.environ, LC_ALL="C.UTF-8", HOME=str(tmp_path), ANSIBLE_STDOUT_CALLBACK="minimal",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"), ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_NOCOLOR="1", **(env or {}))
    r = run(["ansible-playbook", "-i", inventory, "-c", "local", str(PLAYBOOK),
             "-e", "ansible_python_interpreter=/usr/bin/python3", "-e", f"suture={BUILD / 'suture'}",
             "-e", f"patch_dir={tmp_path / 'incoming'}", "-e", "consistency=stop", *args],
            check=False, env=env)
    if check:
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    tasks, decoder = [], json.JSONDecoder()
    for m in re.finditer(r"^(\S+) \| (\w+)!? => ", r.stdout, re.M):
        result, _ = decoder.raw_decode(r.stdout, m.end())
        tasks.append((m.group(1), m.group(2), result))
    return r.returncode, tasks


def task_result(tasks, host="localhost"):
    """The suture_patch module's result on HOST (the only task whose result
    names a patch, or that failed), its processes checked against the
    schema of `suture apply/revert --json`."""
    for h, status, res in tasks:
        if h != host or ("patch" not in res and status != "FAILED"):
            continue
        if "counts" in res:
            command = "revert" if {"reverted", "would-revert"} & set(res["counts"]) else "apply"
            validated(command, json.dumps({
                "schema_version": 1, "patch": res.get("patch"), "dry_run": False, "exit_status": 0,
                "processes": res["processes"], "counts": res["counts"]}))
        return res
    raise AssertionError(f"no result of suture_patch on {host}: {tasks}")


def is_original(values):
    # answer(i) = 2i + 5 in the program, helper(i) + 1000 = 2i + 1000 in the patch
    return all(v % 2 == 1 for v in values)


def is_answer_patch(values):
    return all(v % 2 == 0 for v in values)


def results(res):
    return {p["pid"]: p["result"] for p in res["processes"]}


@pytest.fixture
def fleet_prog(suture, tmp_path):
    """A program of its own name (so that 'service: fleetprog' finds only
    the processes of this test) and its patch."""
    t = build(suture, tmp_path / "b", extra=["-DORIG_ADD=5"], variants=["ANSWER"], prefix="fleet_")
    prog = tmp_path / "fleetprog"
    shutil.copy(t["prog"], prog)
    return prog, t["ANSWER"]


def test_apply_again_check_revert(suture, fleet_prog, start, tmp_path):
    prog, patch = fleet_prog
    procs = [start(prog), start(prog)]
    pids = {t.pid for t in procs}
    common = ["-e", f"patch={patch}", "-e", "service=fleetprog"]

    _, report = playbook(tmp_path, *common, "--check")
    res = task_result(report)
    assert res["changed"] and results(res) == {pid: "would-apply" for pid in pids}
    assert all(is_original(t.next_values()) for t in procs), "check mode changed a process"

    _, report = playbook(tmp_path, *common)
    res = task_result(report)
    assert res["changed"] and results(res) == {pid: "applied" for pid in pids}
    assert all(is_answer_patch(t.next_values()) for t in procs)

    _, report = playbook(tmp_path, *common)
    res = task_result(report)
    assert not res["changed"] and results(res) == {pid: "already-applied" for pid in pids}
    assert not any(r["changed"] for h, _, r in report if "patch" in r)

    _, report = playbook(tmp_path, *common, "-e", "state=reverted", "--check")
    res = task_result(report)
    assert res["changed"] and results(res) == {pid: "would-revert" for pid in pids}
    assert all(is_answer_patch(t.next_values()) for t in procs), "check mode reverted"

    _, report = playbook(tmp_path, *common, "-e", "state=reverted")
    res = task_result(report)
    assert res["changed"] and results(res) == {pid: "reverted" for pid in pids}
    assert all(is_original(t.next_values()) for t in procs)

    _, report = playbook(tmp_path, *common, "-e", "state=reverted")
    assert not task_result(report)["changed"]


def test_rollout_stops_at_first_failure(suture, fleet_prog, start, tmp_path):
    """Two hosts (both this machine), one per batch: the first fails (its
    service runs nowhere), so the second is never touched."""
    prog, patch = fleet_prog
    t = start(prog)
    inventory = tmp_path / "hosts"
    inventory.write_text("first ansible_connection=local service=no-such-service\n"
                         "second ansible_connection=local service=fleetprog\n")
    rc, report = playbook(tmp_path, "-e", f"patch={patch}", "-e", "batch=1", inventory=str(inventory),
                          check=False)
    assert rc != 0
    assert [status for h, status, _ in report if h == "first"][-1] == "FAILED"
    res = task_result(report, "first")
    assert "service 'no-such-service' has no running process" in res["msg"]
    assert not any(h == "second" for h, _, _ in report), report
    assert is_original(t.next_values())
    assert run([suture, "status", str(t.pid)]).stdout.startswith(f"process {t.pid} (fleetprog): 0 patches")


def has_store(suture):
    return run([suture, "help", "install"], check=False).returncode == 0


def test_installed_absent(suture, fleet_prog, start, tmp_path):
    """state: installed keeps the patch in the store (and so applies it to
    the running process of its build), a second run changes nothing;
    absent removes it (and reverts it)."""
    if not has_store(suture):
        pytest.skip("this suture has no patch store (suture install/list/remove)")
    prog, patch = fleet_prog
    t = start(prog)
    store = {"SUTURE_STORE": str(tmp_path / "store")}
    common = ["-e", f"patch={patch}", "-e", f"target={prog}"]

    _, report = playbook(tmp_path, *common, "-e", "state=installed", env=store)
    res = task_result(report)
    assert res["changed"] and [p["pid"] for p in res["processes"]] == [t.pid]
    listed = run_json([suture, "list", "--json"], env=dict(os.environ, **store))
    assert [p["name"] for p in listed["patches"]] == ["fleet_answer"]
    assert is_answer_patch(t.next_values())

    _, report = playbook(tmp_path, *common, "-e", "state=installed", env=store)
    assert not task_result(report)["changed"]

    _, report = playbook(tmp_path, *common, "-e", "state=absent", env=store)
    assert task_result(report)["changed"]
    assert run_json([suture, "list", "--json"], env=dict(os.environ, **store))["patches"] == []
    assert is_original(t.next_values())

    _, report = playbook(tmp_path, *common, "-e", "state=absent", env=store)
    assert not task_result(report)["changed"]
