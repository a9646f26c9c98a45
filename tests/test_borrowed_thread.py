"""What a thread suture borrows may notice: nothing.

suture makes calls in the target through one of its threads (the unwind
tables' registration, the piece of code that changes the entries under
the `thread` and `none` models: src/runtime/async_call.c, poke.c) and
system calls (mmap, munmap).  The program tests/runtime-progs/borrowed.c
has one thread, so every one of those is made by the thread that also
keeps values in SSE and AVX registers, checks them, and counts the
real-time signals it receives (each one queued by the kernel)."""
import os
import signal
import subprocess
import threading
import time

import pytest

from conftest import run
from test_runtime import Target, build, starting


@pytest.fixture(scope="module")
def borrowed(suture, tmp_path_factory):
    return build(suture, tmp_path_factory.mktemp("borrowed"), "borrowed.c", variants=["ANSWER"])


class Prog(Target):
    def counters(self):
        """The figures of a status line printed from now on."""
        return self.status_line("rounds=")


@pytest.fixture
def start(tmp_path):
    yield from starting(tmp_path, Prog)


class Sender:
    """Sends SIGRTMIN to PID every half millisecond until stopped."""

    def __init__(self, pid):
        self.pid, self.sent, self.on = pid, 0, True
        self.thread = threading.Thread(target=self.loop)
        self.thread.start()

    def loop(self):
        while self.on:
            os.kill(self.pid, signal.SIGRTMIN)
            self.sent += 1
            time.sleep(0.0005)

    def stop(self):
        self.on = False
        self.thread.join()
        return self.sent


@pytest.mark.parametrize("model", ["thread", "stop", "none"])
def test_borrowed_thread_loses_nothing(suture, borrowed, start, model):
    """Applied and reverted six times while real-time signals rain on the
    only thread: every signal arrives (none lost, none doubled), no SSE or
    AVX register changes under the program, and the patch really runs."""
    t = start(borrowed["prog"])
    assert t.counters()["answer"] == 2
    sender = Sender(t.pid)
    try:
        for _ in range(6):
            run([suture, "apply", "--consistency", model, str(t.pid), str(borrowed["ANSWER"])])
            assert t.counters()["answer"] == 3
            run([suture, "revert", str(t.pid), "answer"])
    finally:
        sent = sender.stop()
    time.sleep(0.3)
    c = t.counters()
    assert c["answer"] == 2
    assert c["fpu_bad"] == 0 and c["ymm_bad"] == 0
    assert c["rt"] == sent, f"{sent} signals sent, {c['rt']} received"


def test_suture_killed_during_a_borrowed_call(suture, borrowed, start):
    """suture dies while the thread runs a call suture sent it to: the
    thread finishes it and carries on with its own registers; the patch is
    left loaded but not applied, and a later apply and revert work."""
    t = start(borrowed["prog"])
    env = dict(os.environ, SUTURE_FAULT="async")
    r = subprocess.run([suture, "apply", str(t.pid), str(borrowed["ANSWER"])], env=env, capture_output=True,
                       text=True)
    assert r.returncode == -signal.SIGKILL
    before = t.counters()["rounds"]
    c = t.counters()
    assert c["rounds"] > before and c["fpu_bad"] == 0 and c["ymm_bad"] == 0 and c["answer"] == 2
    run([suture, "apply", str(t.pid), str(borrowed["ANSWER"])])
    assert t.counters()["answer"] == 3
    run([suture, "revert", str(t.pid), "answer"])
    assert t.counters()["answer"] == 2
    assert t.proc.poll() is None
    # the runner the killed suture had mapped is gone too (the next run
    # found it by its code)
    assert runners(t.pid) == []


def runners(pid):
    """suture's runners mapped in process PID: anonymous executable
    mappings that start with the runner's first instructions (pushfq;
    sub $8,%rsp)."""
    found = []
    with open(f"/proc/{pid}/mem", "rb") as mem:
        for line in open(f"/proc/{pid}/maps").read().splitlines():
            parts = line.split()
            if len(parts) == 5 and parts[1] == "r-xp":
                lo = int(parts[0].split("-")[0], 16)
                mem.seek(lo)
                if mem.read(5) == bytes.fromhex("9c4883ec08"):
                    found.append(line)
    return found
