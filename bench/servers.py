#!/usr/bin/python3
"""How long real servers under load are stopped by suture: Debian's redis
7.0.15 and nginx 1.22, built from their source packages with suture-cc,
each under steady load from its own load tool (redis-benchmark; for
nginx bench/servers/httpload.c), patched and reverted --cycles times with
each of 4 patches of functions every request runs, under each model.

    nice -n 10 /usr/bin/python3 bench/servers.py [--servers redis,nginx] [--models thread,stop]
                                                 [--cycles 5] [--work DIR] [--fifo]

Per apply and per revert: the longest time any thread of the server was
stopped by suture's clock (SUTURE_TIMING=1: from the stop suture sees to
the release), the upper bound counted from the PTRACE_INTERRUPT, the wall
time of the suture command, and the longest request of the load chunks
that overlapped it (chunk: a redis-benchmark run of 2000 requests, or
100 ms of httpload).  Prints Markdown tables: median and worst per server,
model and operation; then the steps of the switch (`stop`) and the load
outside the transitions, for comparison.  Exit 1 when a request failed or
a suture command did.

Builds into --work (default /tmp/suture-bench-servers; the sources and
builds are reused by a later run with the same directory, the patches are
made again); nothing is written in the suture tree."""
import argparse
import os
import pathlib
import re
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from server_load import around  # noqa: E402
from server_patch import patch_from_edit  # noqa: E402
from server_targets import Nginx, Redis  # noqa: E402

SUTURE = str(ROOT / "build" / "suture")
TIMING = re.compile(r"suture-timing: longest-stop-us=([\d.]+) since-interrupt-us=([\d.]+) "
                    r"stops=(\d+) last-switch: (.*)")
SERVERS = {"redis": (Redis, 17379), "nginx": (Nginx, 17380)}


def make_patches(server, work):
    """The server's patches, made again on every run (by this suture)."""
    paths = []
    for name, source, obj, edits in server.patches:
        out = work / "patches" / f"{name}.o"
        out.parent.mkdir(exist_ok=True)
        patch_from_edit(SUTURE, server.make_dir, server.make_args, source, obj, edits, out)
        paths.append(out)
    return paths


def timed_suture(args, prefix):
    """Runs suture ARGS (after PREFIX, e.g. chrt) with SUTURE_TIMING=1;
    returns a record of it."""
    start = time.monotonic()
    proc = subprocess.run([*prefix, SUTURE, *args], capture_output=True, text=True,
                          env={**os.environ, "SUTURE_TIMING": "1"})
    end = time.monotonic()
    if proc.returncode != 0:
        sys.exit(f"suture {' '.join(args)} exited {proc.returncode}: {proc.stderr.strip()}")
    m = TIMING.search(proc.stderr)
    steps = {k: float(v) for k, v in re.findall(r"(\S+)=([\d.]+)us", m.group(4))}
    return {"stop_us": float(m.group(1)), "bound_us": float(m.group(2)), "stops": int(m.group(3)),
            "steps": steps, "wall_ms": (end - start) * 1000, "start": start, "end": end}


def cycle_patches(groups, patches, model, cycles, pause, prefix):
    """Applies and reverts each patch CYCLES times, one suture command per
    group of processes (nginx: the master, then the workers); the records."""
    records = []
    for _ in range(cycles):
        for patch in patches:
            for op, last in (("apply", ["--consistency", model]), ("revert", [])):
                for role, pids in groups:
                    pid_args = [str(p) for p in pids]
                    what = [op, *last, *pid_args, str(patch) if op == "apply" else patch.stem]
                    rec = timed_suture(what, prefix)
                    records.append({"op": op, "role": role, "patch": patch.stem, **rec})
                time.sleep(pause)
    return records


def measure(server, port, work, patches, model, cycles, prefix):
    """One server process, its load, the cycles of one model."""
    pids = server.start(work, port)
    load = None
    try:
        load = server.load(port)
        time.sleep(1.0)
        threads = sum(len(os.listdir(f"/proc/{pid}/task")) for pid in pids)
        records = cycle_patches(server.groups(pids), patches, model, cycles, pause=0.3,
                                prefix=prefix)
        time.sleep(0.5)
        died = load.stop()
        alive = all(os.path.exists(f"/proc/{pid}") for pid in pids)
    finally:
        if load:
            load.stop()
        server.stop()
    chunks = load.chunks()
    for rec in records:
        near = around(chunks, rec["start"], rec["end"])
        rec["latency_us"] = max((c.max_us for c in near), default=float("nan"))
    quiet = [c.max_us for c in chunks if not any(around([c], r["start"], r["end"])
                                                 for r in records)]
    return {"server": server.name, "model": model, "roles": [r for r, _ in server.groups(pids)],
            "processes": len(pids), "threads": threads,
            "records": records, "failed": sum(c.failed for c in chunks) + (1 if died else 0),
            "died": died, "alive": alive, "quiet_latency_us": quiet,
            "requests": sum(c.requests for c in chunks)}


def med_max(values):
    return f"{statistics.median(values):.2f} / {max(values):.2f}"


def print_tables(runs):
    print("| server (processes, threads) | model | op | processes patched | n "
          "| longest stop, ms (median / worst) | from the interrupt, ms | suture wall time, ms "
          "| longest request around it, ms | failed requests |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for run in runs:
        for op in ("apply", "revert"):
            for role in run["roles"]:
                recs = [r for r in run["records"] if r["op"] == op and r["role"] == role]
                print(f"| {run['server']} ({run['processes']}, {run['threads']}) | {run['model']} "
                      f"| {op} | {role} | {len(recs)} "
                      f"| {med_max([r['stop_us'] / 1000 for r in recs])} "
                      f"| {med_max([r['bound_us'] / 1000 for r in recs])} "
                      f"| {med_max([r['wall_ms'] for r in recs])} "
                      f"| {med_max([r['latency_us'] / 1000 for r in recs])} | {run['failed']} |")
    print()
    print("Steps of the last switch of each command (median, ms), and the longest request "
          "of load chunks that overlapped no suture command (median / worst):")
    print()
    print("| server | model | op | processes patched | steps | the switch's own stop (stop+check "
          "+ switch + release), ms | longest request away from suture, ms |")
    print("|---|---|---|---|---|---|---|")
    for run in runs:
        quiet = run["quiet_latency_us"]
        away = med_max([q / 1000 for q in quiet]) if quiet else "-"
        for op in ("apply", "revert"):
            for role in run["roles"]:
                recs = [r for r in run["records"] if r["op"] == op and r["role"] == role]
                names = list(recs[0]["steps"])
                steps = " ".join(
                    f"{n}={statistics.median(r['steps'].get(n, 0) for r in recs) / 1000:.2f}"
                    for n in names)
                own = ([sum(r["steps"].get(n, 0) for n in ("stop+check", "switch", "release")) / 1000
                        for r in recs] if "stop+check" in names else [])
                own = med_max(own) if own else "-"
                print(f"| {run['server']} | {run['model']} | {op} | {role} | {steps} | {own} | {away} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--servers", default="redis,nginx")
    ap.add_argument("--models", default="thread,stop")
    ap.add_argument("--cycles", type=int, default=5,
                    help="apply+revert cycles of each patch (default 5: 20 patches per model)")
    ap.add_argument("--work", default="/tmp/suture-bench-servers")
    ap.add_argument("--fifo", action="store_true",
                    help="run suture at real-time priority (chrt -f 1): is the stop waiting for a CPU?")
    args = ap.parse_args()
    prefix = ["chrt", "-f", "1"] if args.fifo else []
    runs = []
    for name in args.servers.split(","):
        cls, port = SERVERS[name]
        server = cls()
        work = pathlib.Path(args.work, name)
        work.mkdir(parents=True, exist_ok=True)
        server.build(work)
        patches = make_patches(server, work)
        for model in args.models.split(","):
            runs.append(measure(server, port, work, patches, model, args.cycles, prefix))
    print_tables(runs)
    bad = [f"{r['server']} under {r['model']}: {r['failed']} failed requests"
           + (f" (the load tool ended: {r['died']})" if r["died"] else "")
           + ("" if r["alive"] else ", a server process died") for r in runs
           if r["failed"] or not r["alive"]]
    if bad:
        sys.exit("\n".join(bad))


if __name__ == "__main__":
    main()
