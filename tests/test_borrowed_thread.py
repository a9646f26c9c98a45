"""What a thread suture borrows may notice: nothing.

suture makes calls in the target through one of its threads (the unwind
tables' registration, the piece of code that changes the entries under
the `thread` and `none` models: src/runtime/async_call.c, poke.c) and
system calls (mmap, munmap).  The program tests/runtime-progs/borrowed.c
has one thread, so every one of those is made by the thread that also
keeps values in SSE and AVX registers, checks them, and counts the
real-time signals it receives (each one queued by the kernel)."""
import os
import pathlib
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
    assert apply_killed_at(suture, borrowed, t, "async").returncode == -signal.SIGKILL
    before = t.counters()["rounds"]
    c = t.counters()
    assert c["rounds"] > before and c["fpu_bad"] == 0 and c["ymm_bad"] == 0 and c["answer"] == 2
    # the runner the killed suture had mapped goes too (the next run
    # finds it by its code)
    still_patchable(suture, borrowed, t)


def still_patchable(suture, borrowed, t):
    """T (running) is patched and reverted, stays alive, and no runner of
    suture's is left in it."""
    run([suture, "apply", str(t.pid), str(borrowed["ANSWER"])])
    assert t.counters()["answer"] == 3
    run([suture, "revert", str(t.pid), "answer"])
    assert t.counters()["answer"] == 2
    assert t.proc.poll() is None
    assert runners(t.pid) == []


def apply_killed_at(suture, borrowed, t, point):
    """`suture apply` to T, SIGKILLed at fault point POINT."""
    env = dict(os.environ, SUTURE_FAULT=point)
    return subprocess.run([suture, "apply", str(t.pid), str(borrowed["ANSWER"])], env=env, capture_output=True,
                          text=True)


def state(pid):
    """PID's state letter, once it is T if it becomes so within a second
    (a thread suture lets go goes back to its group stop in the kernel,
    without running a line of its program)."""
    deadline = time.monotonic() + 1
    while True:
        s = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        if s == "T" or time.monotonic() > deadline:
            return s
        time.sleep(0.01)


def test_stopped_process_runs_the_calls_and_loses_nothing(suture, borrowed, start):
    """A process stopped with SIGSTOP (as `suture watch` holds a starting
    one) runs suture's calls itself and stops itself after each: applied
    and reverted three times while stopped and signalled, it stays stopped,
    then once continued gets every signal, its SSE and AVX registers
    intact, and the patch's answer; nothing of suture's is left in it."""
    t = start(borrowed["prog"])
    os.kill(t.pid, signal.SIGSTOP)
    time.sleep(0.1)
    for i in range(3):
        os.kill(t.pid, signal.SIGRTMIN)
        run([suture, "apply", str(t.pid), str(borrowed["ANSWER"])])
        assert state(t.pid) == "T"
        if i < 2:
            run([suture, "revert", str(t.pid), "answer"])
            assert state(t.pid) == "T"
    os.kill(t.pid, signal.SIGCONT)
    c = t.counters()
    assert c["answer"] == 3 and c["fpu_bad"] == 0 and c["ymm_bad"] == 0
    assert c["rt"] == 3, f"3 signals sent, {c['rt']} received"
    assert runners(t.pid) == []


def test_stopped_process_that_catches_every_quiet_signal(suture, borrowed, start):
    """A stopped process with handlers for the signals a thread may stop
    itself with (SIGURG, SIGWINCH, SIGCHLD): suture makes its calls the
    slow way, the program gets none of those signals, and is patched.
    (The fault point where a thread is sent to a call it stops itself
    after is never reached: suture is not killed there.)"""
    t = start(borrowed["prog"], "-c")
    os.kill(t.pid, signal.SIGSTOP)
    time.sleep(0.1)
    r = apply_killed_at(suture, borrowed, t, "stopped-call")
    assert r.returncode == 0, r.stderr
    assert state(t.pid) == "T"
    os.kill(t.pid, signal.SIGCONT)
    c = t.counters()
    assert c["answer"] == 3 and c["other"] == 0 and c["fpu_bad"] == 0 and c["ymm_bad"] == 0
    assert runners(t.pid) == []


def test_suture_killed_during_a_call_in_a_stopped_process(suture, borrowed, start):
    """suture dies while a thread of a stopped process runs a call: the
    thread stops itself at its end, so the process stays stopped; once
    continued it carries on with its own registers, unpatched, and a
    later apply and revert work."""
    t = start(borrowed["prog"])
    os.kill(t.pid, signal.SIGSTOP)
    time.sleep(0.1)
    assert apply_killed_at(suture, borrowed, t, "stopped-call").returncode == -signal.SIGKILL
    time.sleep(0.2)
    assert state(t.pid) == "T"
    os.kill(t.pid, signal.SIGCONT)
    c = t.counters()
    assert c["fpu_bad"] == 0 and c["ymm_bad"] == 0 and c["answer"] == 2
    still_patchable(suture, borrowed, t)


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
