#!/usr/bin/python3
"""Patching a server under load: a multi-threaded TCP server on loopback
(bench/load/server.c) answers a steady stream of requests from CLIENTS
connections while a patch (the same answers, computed another way) is
applied and reverted CYCLES times with one consistency model.

    /usr/bin/python3 bench/load.py [--model stop|none|thread] [--cycles 10000] [--clients 4]

Every answer is checked; the server's RSS and the `used` bytes of the
record suture keeps in it (`status --json`: record_used) are read after
the first cycle, every 1000 cycles and after the loop, with the load
average of the machine; request latency is reported (p50, p99, max)
for requests that overlapped an apply or revert, against a baseline run of
the same length with no patching.  Exit 1 on any failed or wrong answer.
"""
import argparse
import json
import os
import pathlib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from benchutil import CFLAGS, sh  # noqa: E402



def build(suture, work):
    src = ROOT / "bench" / "load" / "server.c"
    for variant in ("orig", "fix"):
        (work / variant).mkdir()
        (work / variant / "server.c").write_text(src.read_text())
        sh(["gcc", *CFLAGS, *(["-DPATCHED"] if variant == "fix" else []), "-c",
            work / variant / "server.c", "-o", work / variant / "server.o"])
    sh(["gcc", "-pthread", work / "orig" / "server.o", "-o", work / "server"])
    sh([suture, "diff", work / "orig" / "server.o", work / "fix" / "server.o", "-o", work / "fix.o"])
    return work / "server", work / "fix.o"


class Client(threading.Thread):
    """One connection sending requests back to back; records (start, end)
    of each request and counts failed or wrong answers."""

    def __init__(self, port, seed):
        super().__init__(daemon=True)
        self.port, self.n = port, seed * 1000003
        self.times, self.failed, self.wrong = [], 0, 0
        self.stop = threading.Event()

    def run(self):
        sock = socket.create_connection(("127.0.0.1", self.port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        f = sock.makefile("rb")
        while not self.stop.is_set():
            self.n += 1
            t0 = time.perf_counter()
            try:
                sock.sendall(b"%d\n" % self.n)
                reply = f.readline()
            except OSError:
                self.failed += 1
                sock = socket.create_connection(("127.0.0.1", self.port))
                f = sock.makefile("rb")
                continue
            t1 = time.perf_counter()
            if not reply:
                self.failed += 1
            elif int(reply) != 3 * self.n + 7:
                self.wrong += 1
            self.times.append((t0, t1))
        sock.close()


def rss_kb(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def record_used(suture, pid):
    """The bytes of suture's record in process PID in use (0: none yet)."""
    r = subprocess.run([suture, "status", "--json", str(pid)], capture_output=True, text=True)
    return json.loads(r.stdout)["processes"][0].get("record_used", 0) if r.returncode == 0 else -1


def memory(suture, pid):
    """'RSS kB/record bytes' of process PID."""
    return f"{rss_kb(pid)}/{record_used(suture, pid)}"


def percentiles(latencies):
    if not latencies:
        return "-", "-", "-"
    s = sorted(latencies)
    return (f"{s[len(s) // 2] * 1e6:.0f}", f"{s[int(len(s) * 0.99)] * 1e6:.0f}", f"{s[-1] * 1e6:.0f}")


def load_run(port, clients, seconds=None, action=None):
    cs = [Client(port, i + 1) for i in range(clients)]
    for c in cs:
        c.start()
    windows = action() if action else time.sleep(seconds) or []
    for c in cs:
        c.stop.set()
    for c in cs:
        c.join()
    return cs, windows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="stop")
    ap.add_argument("--cycles", type=int, default=10000)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--suture", default=str(ROOT / "build" / "suture"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        server, patch = build(args.suture, work)
        portfile = work / "port"
        proc = subprocess.Popen([str(server), str(portfile)])
        try:
            while not portfile.exists() or not portfile.read_text().strip():
                time.sleep(0.01)
            port = int(portfile.read_text())
            base_clients, _ = load_run(port, args.clients, seconds=5)
            mem, loads = [], []

            def cycles():
                windows = []
                for i in range(args.cycles):
                    for cmd in (["apply", "--consistency", args.model, str(proc.pid), str(patch)],
                                ["revert", str(proc.pid), "fix"]):
                        t0 = time.perf_counter()
                        r = subprocess.run([args.suture, *cmd], capture_output=True, text=True)
                        windows.append((t0, time.perf_counter()))
                        if r.returncode != 0:
                            sys.exit(f"cycle {i}: suture {cmd[0]} failed: {r.stderr.strip()}")
                    if i == 0 or (i + 1) % 1000 == 0:
                        mem.append(memory(args.suture, proc.pid))
                        loads.append(os.getloadavg()[0])
                        print(f"cycle {i + 1}: RSS (kB)/record used (bytes) {mem[-1]}, "
                              f"load average {loads[-1]:.1f}", file=sys.stderr, flush=True)
                return windows
            start = time.time()
            clients, windows = load_run(port, args.clients, action=cycles)
            elapsed = time.time() - start
            mem.append(memory(args.suture, proc.pid))
        finally:
            proc.kill()
            proc.wait()
    base = [t1 - t0 for c in base_clients for t0, t1 in c.times]
    during, w = [], 0
    all_times = sorted(t for c in clients for t in c.times)
    for t0, t1 in all_times:
        while w < len(windows) and windows[w][1] < t0:
            w += 1
        if w < len(windows) and windows[w][0] <= t1:
            during.append(t1 - t0)
    failed = sum(c.failed for c in clients)
    wrong = sum(c.wrong for c in clients)
    print(f"model {args.model}: {args.cycles} apply+revert cycles in {elapsed:.0f} s, "
          f"{len(all_times)} requests, {failed} failed, {wrong} wrong")
    print(f"server RSS (kB)/record used (bytes) after cycle 1, every 1000 cycles, after: "
          f"{' '.join(mem)}")
    print(f"load average (1 min) seen: {min(loads):.1f} to {max(loads):.1f}")
    print("| requests | p50 (us) | p99 (us) | max (us) |\n|---|---|---|---|")
    print(f"| no patching ({len(base)}) | " + " | ".join(percentiles(base)) + " |")
    print(f"| during apply/revert, {args.model} ({len(during)}) | " + " | ".join(percentiles(during)) + " |")
    sys.exit(1 if failed or wrong else 0)


if __name__ == "__main__":
    main()
