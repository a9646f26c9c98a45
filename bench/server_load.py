"""Steady load on a server for bench/servers.py, read in chunks.

A load tool runs for the whole measurement and prints one line per chunk
of requests; each line is stamped with CLOCK_MONOTONIC (Python's
time.monotonic()) when it is read.  A chunk covers the time since the
previous line, so the chunks that overlap an apply or a revert say the
longest request the clients saw around it.

- redis-benchmark (`-l --csv`): one CSV line per test run, max latency in
  ms; it exits at the first failed request (its own rule), so a failure
  shows as the tool gone before the end, with its message on stderr.
- bench/servers/httpload.c: `ns requests failed max_us` every 100 ms."""
import subprocess
import threading
import time


class Chunk:
    def __init__(self, start, end, requests, failed, max_us):
        self.start, self.end = start, end
        self.requests, self.failed, self.max_us = requests, failed, max_us


def parse_redis_benchmark(line):
    """(requests, failed, max_us) of a CSV line; None for the header."""
    fields = [f.strip('"') for f in line.strip().split(",")]
    if len(fields) != 8 or fields[0] == "test":
        return None
    return None if not fields[7] else (0, 0, float(fields[7]) * 1000)


def parse_httpload(line):
    _, requests, failed, max_us = line.split()
    return int(requests), int(failed), float(max_us)


class Load:
    """COMMAND started now; chunks() once stopped."""

    def __init__(self, command, parse):
        self.parse = parse
        self.proc = subprocess.Popen(["stdbuf", "-oL", *command], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.ended = None
        self.started = time.monotonic()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line))

    def stop(self):
        """Ends the tool; returns the message of a tool that had ended by
        itself (a failed request), else None.  Once is enough."""
        if self.ended is not None:
            return self.ended or None
        died = self.proc.poll() is not None
        if not died:
            self.proc.kill()
        self.proc.wait()
        self.reader.join()
        err = self.proc.stderr.read().strip()
        self.ended = (err or f"exited {self.proc.returncode}") if died else ""
        return self.ended or None

    def chunks(self):
        out, previous = [], self.started
        for stamp, line in self.lines:
            figures = self.parse(line)
            if figures is not None:
                out.append(Chunk(previous, stamp, *figures))
            previous = stamp
        return out


def around(chunks, start, end):
    """The chunks that overlap [start, end]."""
    return [c for c in chunks if c.end >= start and c.start <= end]
