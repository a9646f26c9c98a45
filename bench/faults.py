#!/usr/bin/python3
"""Fault injection: `suture apply` and `suture revert` killed with SIGKILL
at each of their steps (the SUTURE_FAULT points: grep fault_point src/),
under each consistency model, against a live multi-threaded target.

    /usr/bin/python3 bench/faults.py [--suture PATH]     # prints the README's table

After each kill the target is checked as a user would: it is alive, it
answers, every answer is the old code's or the new code's, `suture status`
says which (and its answers agree), and the next revert and a new
apply/revert cycle work.  "mappings left": how many more mappings the
target has after that cleanup than before the case (memory the kill left
that no record knows of).  Exit 1 if any case fails.
tests/test_faults.py runs every case.
"""
import argparse
import json
import pathlib
import signal
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from mutate_apply import Target, build, original, patched  # noqa: E402

MODELS = ["thread", "stop", "none"]
# in the order suture passes them
POINTS = {
    "apply": ["mapped", "registered", "loaded", "phase1", "gate", "phase3", "switched"],
    "revert": ["phase1", "gate", "phase3", "switched", "deregistered"],
}
CASES = [(m, op, pt) for m in MODELS for op in POINTS for pt in POINTS[op]]
NAME = "answer"


def suture_run(suture, *args, fault=None):
    env = None
    if fault:
        import os
        env = dict(os.environ, SUTURE_FAULT=fault)
    return subprocess.run([str(suture), *map(str, args)], capture_output=True, text=True,
                          errors="replace", env=env)


def status(suture, pid):
    """(exit status, the patches `status --json` lists)."""
    r = suture_run(suture, "status", "--json", pid)
    if r.returncode != 0:
        return r.returncode, None
    return 0, json.loads(r.stdout)["processes"][0]["patches"]


def answers_are(values):
    if values is None:
        return "none"
    if original(values):
        return "old"
    if patched(values):
        return "new"
    return "mixed"


def agrees(runs, answers):
    """Do the answers seen agree with what status says the process runs?"""
    if runs in ("old", "new"):
        return answers == runs
    return answers in ("old", "new")   # "by thread": each thread one version


def cycle_works(suture, target, model, patch):
    """Cleans up what the kill left, then one whole apply and revert."""
    code, patches = status(suture, target.proc.pid)
    if code != 0:
        return False
    if patches and suture_run(suture, "revert", target.proc.pid, NAME).returncode != 0:
        return False
    if status(suture, target.proc.pid) != (0, []) or answers_are(target.values()) != "old":
        return False
    if suture_run(suture, "apply", "--consistency", model, target.proc.pid, patch).returncode != 0 \
            or answers_are(target.values()) != "new":
        return False
    return suture_run(suture, "revert", target.proc.pid, NAME).returncode == 0 \
        and answers_are(target.values()) == "old" and status(suture, target.proc.pid) == (0, [])


def mappings(pid):
    return len(pathlib.Path(f"/proc/{pid}/maps").read_text().splitlines())


def one_case(suture, target, patch, model, op, point):
    """Kills suture at POINT of OP under MODEL; returns the row (a dict)."""
    pid = target.proc.pid
    maps_before = mappings(pid)
    if op == "revert" and suture_run(suture, "apply", "--consistency", model, pid,
                                     patch).returncode != 0:
        return dict(model=model, op=op, point=point, error="the apply before the revert failed")
    args = ["apply", "--consistency", model, pid, patch] if op == "apply" else ["revert", pid, NAME]
    r = suture_run(suture, *args, fault=point)
    row = dict(model=model, op=op, point=point,
               killed=r.returncode == -signal.SIGKILL, exit=r.returncode)
    row["alive"] = target.alive()
    row["answers"] = answers_are(target.values()) if row["alive"] else "none"
    code, patches = status(suture, pid) if row["alive"] else (None, None)
    row["status_ok"] = code == 0
    p = patches[0] if patches else None
    row["state"] = p["state"] if p else "no patch"
    row["runs"] = p["runs"] if p else "old"
    row["agrees"] = agrees(row["runs"], row["answers"])
    row["next_works"] = row["alive"] and cycle_works(suture, target, model, patch)
    # what the kill left mapped that nothing will unmap (the patch's memory)
    row["leaked"] = mappings(pid) - maps_before if target.alive() else 0
    return row


def failed(row):
    return "error" in row or not (row["killed"] and row["alive"] and row["status_ok"]
                                  and row["agrees"] and row["next_works"])


def run_cases(suture, work, cases=CASES):
    """Runs CASES ((model, op, point) each) against one ticker per model
    (a new one if a case leaves it dead); returns the rows."""
    prog, patch = build(suture, work)
    rows, targets = [], {}
    try:
        for model, op, point in cases:
            if model not in targets or not targets[model].alive():
                targets[model] = Target(prog, work, ["-t", "2"])
                # what a first apply maps once (libgcc_s, the record) is
                # not what a kill leaves
                if not cycle_works(suture, targets[model], model, patch):
                    sys.exit(f"{model}: a first apply and revert did not work")
            rows.append(one_case(suture, targets[model], patch, model, op, point))
    finally:
        for t in targets.values():
            t.kill()
    return rows


def table(rows):
    yes = {True: "yes", False: "**no**"}
    out = ["| model | command | killed at | target alive | answers | status says | "
           "status agrees | next revert, apply, revert | mappings left |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            out.append(f"| {r['model']} | {r['op']} | {r['point']} | {r['error']} |||||")
            continue
        killed = r["point"] if r["killed"] else f"{r['point']} (exit {r['exit']}: not killed)"
        out.append(f"| {r['model']} | {r['op']} | {killed} | {yes[r['alive']]} | {r['answers']} | "
                   f"{r['state']}, runs {r['runs']} | {yes[r['agrees']]} | {yes[r['next_works']]} | "
                   f"{r['leaked']} |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suture", default=str(ROOT / "build" / "suture"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = run_cases(args.suture, pathlib.Path(tmp))
    print(table(rows))
    sys.exit(1 if any(failed(r) for r in rows) else 0)


if __name__ == "__main__":
    main()
