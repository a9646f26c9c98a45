"""Instructions a call executes in a running process, counted exactly by
single-stepping its thread with ptrace (no hardware counters here, and
wall time on a shared machine is noisy): from the called function's first
instruction to the return address it was called with, everything it runs
in between included (the room's jump, the patch's code)."""
import ctypes
import os
import pathlib
import subprocess

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long
PTRACE_PEEKDATA, PTRACE_SINGLESTEP, PTRACE_GETREGS, PTRACE_DETACH = 2, 9, 12, 17
PTRACE_SEIZE, PTRACE_INTERRUPT = 0x4206, 0x4207
WALL = 0x40000000
RIP, RSP = 16, 19   # in struct user_regs_struct
MAX_STEPS = 2_000_000


def symbols(program, pid):
    """name -> address in the process of PROGRAM's functions (a PIE: the
    file's first mapping gives the bias)."""
    bias = 0
    for line in pathlib.Path(f"/proc/{pid}/maps").read_text().splitlines():
        f = line.split()
        if len(f) >= 6 and f[5] == str(program) and int(f[2], 16) == 0:
            bias = int(f[0].split("-")[0], 16)
            break
    out = subprocess.run(["nm", str(program)], capture_output=True, text=True, check=True).stdout
    return {f[2]: bias + int(f[0], 16) for f in (line.split() for line in out.splitlines())
            if len(f) == 3 and f[1] in "tT"}


class Stepper:
    """The thread TID, seized and stopped, stepped one instruction at a time."""

    def __init__(self, tid):
        self.tid = tid
        self.regs = (ctypes.c_ulong * 27)()
        if libc.ptrace(PTRACE_SEIZE, tid, None, None) < 0 or libc.ptrace(PTRACE_INTERRUPT, tid, None, None) < 0:
            raise OSError(ctypes.get_errno(), f"cannot seize thread {tid}")
        os.waitpid(tid, WALL)

    def rip(self):
        libc.ptrace(PTRACE_GETREGS, self.tid, None, ctypes.byref(self.regs))
        return self.regs[RIP]

    def step(self):
        libc.ptrace(PTRACE_SINGLESTEP, self.tid, None, None)
        _, status = os.waitpid(self.tid, WALL)
        if not os.WIFSTOPPED(status):
            raise RuntimeError(f"thread {self.tid} ended while stepped")

    def run_to(self, addr):
        for _ in range(MAX_STEPS):
            if self.rip() == addr:
                return
            self.step()
        raise RuntimeError(f"thread {self.tid} never reached {addr:#x}")

    def count_call(self):
        """At a function's first instruction: the instructions it executes
        until it returns (its own ret included)."""
        self.rip()
        ret = ctypes.c_ulong(libc.ptrace(PTRACE_PEEKDATA, self.tid, ctypes.c_void_p(self.regs[RSP]), None))
        n = 0
        while self.rip() != ret.value:
            self.step()
            n += 1
        return n

    def detach(self):
        libc.ptrace(PTRACE_DETACH, self.tid, None, None)


def instructions_per_call(pid, program, functions, start):
    """Seizes PID's main thread, runs START() (which makes it call
    FUNCTIONS one after the other), and counts each call."""
    addrs = symbols(program, pid)
    s = Stepper(pid)
    try:
        start()
        counts = []
        for f in functions:
            s.run_to(addrs[f])
            counts.append(s.count_call())
        return counts
    finally:
        s.detach()
