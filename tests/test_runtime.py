"""suture apply / revert / status on real processes, with real ptrace.

The target is tests/runtime-progs/ticker.c: it prints answer(i) once per
tick, so what it prints tells which version of answer() runs.  Patches are
made the way users make them: compile the source as it is and with a
change (one of its PATCH_* macros), then `suture diff ORIG.o NEW.o -o P.o`."""
import json
import os
import pathlib
import re
import signal
import subprocess
import time

import pytest

from conftest import run
from schemacheck import run_json, validated

# --all sees every process on the machine: the tests that use it run one
# after another on one xdist worker (scripts/check.sh: --dist loadgroup).
ALL_PROCESSES = pytest.mark.xdist_group("all-processes")

PROGS = pathlib.Path(__file__).resolve().parent / "runtime-progs"
CFLAGS = ["-O2", "-g", "-ffunction-sections", "-fdata-sections",
          "-flive-patching=inline-clone", "-fpatchable-function-entry=5"]
VARIANTS = ["ANSWER", "ANSWER2", "HELPER", "STATE", "LIBC", "UNDEFINED", "SLOW", "INNER", "OUTER"]


def compile_unit(src, obj, extra=(), cc=None):
    """gcc with the padding flags, or CC (suture-cc) -fease-live-patching."""
    flags = [cc, "-O2", "-g", "-fease-live-patching"] if cc else ["gcc", *CFLAGS]
    run([*flags, *extra, "-c", str(src), "-o", str(obj)])
    return obj


def build(suture, root, src_name="ticker.c", extra=(), link=(), variants=VARIANTS, prefix="", program=True,
          cc=None):
    """Builds the program from its source (one source file name for every
    build, as a rebuilt tree has) and one patch per variant:
    {"prog": path, "ANSWER": patch path, ...}."""
    root.mkdir(parents=True, exist_ok=True)
    out = {}
    orig_dir = root / "orig"
    orig_dir.mkdir(exist_ok=True)
    (orig_dir / src_name).write_text((PROGS / src_name).read_text())
    orig = compile_unit(orig_dir / src_name, orig_dir / "unit.o", extra, cc)
    out["orig.o"] = orig
    out["prog"] = root / "prog"
    if program:
        run(["gcc", "-pthread", *link, str(orig), "-o", str(out["prog"])])
    for v in variants:
        d = root / v.lower()
        d.mkdir(exist_ok=True)
        (d / src_name).write_text((PROGS / src_name).read_text())
        new = compile_unit(d / src_name, d / "unit.o", [*extra, f"-DPATCH_{v}"], cc)
        patch = root / f"{prefix}{v.lower()}.o"
        run([suture, "diff", str(orig), str(new), "-o", str(patch)])
        out[v] = patch
    return out


@pytest.fixture(scope="session")
def ticker(suture, tmp_path_factory):
    return build(suture, tmp_path_factory.mktemp("ticker"))


class Target:
    """A running test program whose output goes to a file."""

    def __init__(self, prog, args=(), tmp=None, user=None):
        self.out = pathlib.Path(tmp) / f"out-{time.monotonic_ns()}.txt"
        cmd = [str(prog), *args]
        self.fh = open(self.out, "w")
        self.proc = subprocess.Popen(cmd, stdout=self.fh, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        self.wait_for("ready")

    def text(self):
        return self.out.read_text()

    def status_line(self, prefix, fresh=True):
        """The figures (name=number) of the last line starting with PREFIX,
        one printed from now on when FRESH."""
        if fresh:
            n = len(self.text())
            deadline = time.time() + 10
            while self.text()[n:].count("\n") < 2:
                assert time.time() < deadline and self.proc.poll() is None, self.text()[-500:]
                time.sleep(0.01)
        line = re.findall(rf"^{prefix}.*$", self.text(), re.M)[-1]
        return {k: int(v) for k, v in re.findall(r"(\w+)=(-?\d+)", line)}

    def wait_for(self, pattern, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(pattern, self.text(), re.M)
            if m:
                return m
            if self.proc.poll() is not None:
                raise AssertionError(f"target exited {self.proc.returncode}: {self.text()}")
            time.sleep(0.01)
        raise AssertionError(f"no {pattern!r} in the target's output: {self.text()[-500:]}")

    def values(self):
        return [int(x) for x in re.findall(r"^(-?\d+)$", self.text(), re.M)]

    def next_values(self, n=3, timeout=10):
        """The first n answers printed from now on."""
        start = len(self.values())
        deadline = time.time() + timeout
        while time.time() < deadline:
            vals = self.values()
            if len(vals) >= start + n + 1:
                return vals[start + 1:start + 1 + n]   # skip one that may straddle
            time.sleep(0.01)
        raise AssertionError(f"the target stopped printing: {self.text()[-500:]}")

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.fh.close()


def starting(tmp_path, cls):
    """A start(prog, *args) fixture's body: CLS objects, killed at the end."""
    started = []

    def _start(prog, *args):
        t = cls(prog, args, tmp_path)
        started.append(t)
        return t
    yield _start
    for t in started:
        t.kill()


@pytest.fixture
def start(tmp_path):
    yield from starting(tmp_path, Target)


def kind(values):
    """Which version printed these answers of i (helper(x)=2x; patched 3x)."""
    def one(v):
        if v >= 100000:
            return "state"
        return v
    return [one(v) for v in values]


def apply(suture, pid, patch, *opts, check=True):
    return run([suture, "apply", "--consistency", "stop", *opts, str(pid), str(patch)], check=check)


def is_original(values):
    # answer(i) = 2i + 1: odd (the patches' answers are even, or 100000 and
    # more); i passes 500 after 5 s of ticks, so no bound at 1000: a slow
    # run on a loaded machine read 1007 as "not original"
    return all(v % 2 == 1 and v < 100000 for v in values)


def is_answer_patch(values, base=1000):
    return all(v % 2 == 0 and base <= v < base + 1000 + 2 * 10 ** 6 for v in values)


def snapshot(pid, prog):
    """What must not change when suture refuses: the maps, and the bytes of
    the program's code."""
    maps = pathlib.Path(f"/proc/{pid}/maps").read_text()
    code = b""
    with open(f"/proc/{pid}/mem", "rb") as mem:
        for line in maps.splitlines():
            parts = line.split()
            if len(parts) >= 6 and parts[1].startswith("r-x") and parts[5] == str(prog):
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                mem.seek(lo)
                code += mem.read(hi - lo)
    return maps, code


def snapshot_after_callbacks(pid, prog):
    """snapshot() where a callback ran: its thread (the program's own, made
    by its pthread_create) leaves what glibc keeps after any thread, a
    cached stack and maybe a malloc arena: anonymous mappings are left out."""
    maps, code = snapshot(pid, prog)
    return [line for line in maps.splitlines() if line.split()[-1].startswith("/")], code


# --- the core: apply, status, revert -------------------------------------

def test_apply_status_revert(suture, ticker, start):
    t = start(ticker["prog"])
    assert is_original(t.next_values())
    r = apply(suture, t.pid, ticker["ANSWER"])
    assert f"applied 'answer' to process {t.pid}" in r.stdout
    assert is_answer_patch(t.next_values())

    st = run_json([suture, "status", "--json", str(t.pid)])
    (p,) = st["processes"][0]["patches"]
    assert p["name"] == "answer" and p["state"] == "applied" and p["runs"] == "new"
    assert p["consistency"] == "stop" and p["object"] == str(ticker["prog"])
    assert [f["name"] for f in p["functions"]] == ["answer"]
    text = run([suture, "status", str(t.pid)]).stdout
    assert "answer: applied (stop)" in text
    assert "/memfd:suture-state" in pathlib.Path(f"/proc/{t.pid}/maps").read_text()

    r = run([suture, "revert", str(t.pid), "answer"])
    assert "reverted 'answer'" in r.stdout
    assert is_original(t.next_values())
    st = run_json([suture, "status", "--json", str(t.pid)])
    assert st["processes"][0]["patches"] == []
    assert t.alive()


def test_patched_call_costs_one_jump(suture, ticker, start):
    """After the switch the function's entry is one direct jump to the new
    code, and revert puts the padding back byte for byte."""
    t = start(ticker["prog"])
    before = snapshot(t.pid, ticker["prog"])[1]
    apply(suture, t.pid, ticker["ANSWER"])
    st = run_json([suture, "status", "--json", str(t.pid)])
    f = st["processes"][0]["patches"][0]["functions"][0]
    old, new = int(f["address"], 16), int(f["new_address"], 16)
    with open(f"/proc/{t.pid}/mem", "rb") as mem:
        mem.seek(old)
        entry = mem.read(5)
    assert entry[0] == 0xe9
    dest = old + 5 + int.from_bytes(entry[1:5], "little", signed=True)
    assert dest == new + 5, "the jump lands past the new function's own padding"
    run([suture, "revert", str(t.pid), "answer"])
    assert snapshot(t.pid, ticker["prog"])[1] == before


def test_none_model(suture, ticker, start):
    t = start(ticker["prog"])
    run([suture, "apply", "--consistency", "none", str(t.pid), str(ticker["ANSWER"])])
    assert is_answer_patch(t.next_values())
    st = run_json([suture, "status", "--json", str(t.pid)])
    assert st["processes"][0]["patches"][0]["consistency"] == "none"
    run([suture, "revert", str(t.pid), "answer"])
    assert is_original(t.next_values())


def test_thread_model_is_the_default(suture, ticker, start):
    t = start(ticker["prog"], "-t", "4")
    run([suture, "apply", str(t.pid), str(ticker["ANSWER"])])
    assert is_answer_patch(t.next_values())
    st = json.loads(run([suture, "status", "--json", str(t.pid)]).stdout)
    (p,) = st["processes"][0]["patches"]
    assert p["consistency"] == "thread" and p["state"] == "applied" and not p["unsafe"]
    run([suture, "revert", str(t.pid), "answer"])
    assert is_original(t.next_values())
    assert "EINTR" not in t.text()


def test_multithreaded_syscalls_restart(suture, ticker, start):
    """Threads blocked in nanosleep() and read() across apply and revert
    see no EINTR, and every thread survives."""
    t = start(ticker["prog"], "-t", "6")
    tids = set(os.listdir(f"/proc/{t.pid}/task"))
    assert len(tids) == 7
    apply(suture, t.pid, ticker["ANSWER"])
    assert is_answer_patch(t.next_values())
    run([suture, "revert", str(t.pid), "answer"])
    assert is_original(t.next_values())
    assert "EINTR" not in t.text() and "SYSERR" not in t.text()
    assert set(os.listdir(f"/proc/{t.pid}/task")) == tids


def test_threads_created_during_apply(suture, ticker, start):
    """A thread keeps creating threads: every apply and revert catches the
    ones born meanwhile, and none of them crashes or loses its call."""
    t = start(ticker["prog"], "-c", "-t", "2")
    for _ in range(5):
        apply(suture, t.pid, ticker["ANSWER"])
        assert is_answer_patch(t.next_values())
        run([suture, "revert", str(t.pid), "answer"])
        assert is_original(t.next_values())
    assert t.alive()
    assert "spawn failed" not in t.text() and "EINTR" not in t.text() and "SYSERR" not in t.text()


def test_keeps_pending_signal(suture, ticker, start):
    """A signal that arrives while suture holds the process is delivered."""
    t = start(ticker["prog"], "-b")
    apply(suture, t.pid, ticker["ANSWER"])
    os.kill(t.pid, signal.SIGUSR1)
    t.wait_for("left slow")
    run([suture, "revert", str(t.pid), "answer"])


def test_static_function(suture, ticker, start):
    t = start(ticker["prog"])
    apply(suture, t.pid, ticker["HELPER"])
    vals = t.next_values()
    # answer(i) = helper(i) + 1 = 3i + 1 now (it was 2i + 1)
    assert all(v % 3 == 1 for v in vals) and not is_original(vals)
    run([suture, "revert", str(t.pid), "helper"])
    assert is_original(t.next_values())


def test_static_and_thread_local_variables(suture, ticker, start):
    """The new answer() reads the target's static counter and its
    __thread calls: only the main thread calls it, so both count alike."""
    t = start(ticker["prog"], "-t", "2")
    apply(suture, t.pid, ticker["STATE"])
    assert t.next_values() == [110001] * 3


def test_new_libc_imports(suture, ticker, start):
    """The new answer() calls getpid, snprintf and strlen (an IFUNC),
    which the program never imported."""
    t = start(ticker["prog"])
    apply(suture, t.pid, ticker["LIBC"])
    assert t.next_values() == [t.pid] * 3


def test_stacking_revert_in_order(suture, ticker, start):
    t = start(ticker["prog"])
    apply(suture, t.pid, ticker["ANSWER"])
    apply(suture, t.pid, ticker["ANSWER2"])
    assert is_answer_patch(t.next_values(), 2000)
    r = run([suture, "revert", str(t.pid), "answer"], check=False)
    assert r.returncode == 1
    assert "'answer2'" in r.stderr and "revert 'answer2' first" in r.stderr
    assert is_answer_patch(t.next_values(), 2000)
    run([suture, "revert", str(t.pid), "answer2"])
    vals = t.next_values()
    assert is_answer_patch(vals) and all(v < 2000 for v in vals)
    run([suture, "revert", str(t.pid), "answer"])
    assert is_original(t.next_values())


def test_replace(suture, ticker, start):
    """A cumulative patch that patches only helper() replaces the earlier
    patch of answer(): answer() is the original again."""
    t = start(ticker["prog"])
    apply(suture, t.pid, ticker["ANSWER"])
    apply(suture, t.pid, ticker["HELPER"], "--replace")
    vals = t.next_values()
    assert all(v < 1000 for v in vals) and all((b - a) % 3 == 0 for a, b in zip(vals, vals[1:]))
    st = run_json([suture, "status", "--json", str(t.pid)])
    names = [p["name"] for p in st["processes"][0]["patches"]]
    assert names == ["helper"]
    run([suture, "revert", str(t.pid), "--all"])
    assert is_original(t.next_values())


def test_thread_in_replaced_function(suture, ticker, start):
    """stop refuses while a thread sits in slow(), naming it, and changes
    nothing; once the thread has left, the same apply succeeds."""
    t = start(ticker["prog"], "-b")
    before = snapshot(t.pid, ticker["prog"])
    r = apply(suture, t.pid, ticker["SLOW"], "--timeout", "0.3", check=False)
    assert r.returncode == 4, r.stderr
    tid = [x for x in os.listdir(f"/proc/{t.pid}/task") if x != str(t.pid)][0]
    assert re.search(rf"thread {tid} \(prog\) is in slow", r.stderr), r.stderr
    assert snapshot(t.pid, ticker["prog"]) == before
    os.kill(t.pid, signal.SIGUSR1)
    t.wait_for("left slow")
    apply(suture, t.pid, ticker["SLOW"])
    assert is_original(t.next_values())


@pytest.mark.parametrize("others", [3, 7, 30])
def test_thread_in_replaced_function_among_many(suture, ticker, start, others):
    """stop walks the threads' stacks in batches of 8 as they stop: the
    thread in slow() is found whether its batch is the last, partial one
    (3 others), a full one (7 others and the leader: 9 threads), or the
    fourth full one (30 others: 32 threads); the others are clean."""
    t = start(ticker["prog"], "-t", str(others), "-b")
    before = snapshot(t.pid, ticker["prog"])
    r = apply(suture, t.pid, ticker["SLOW"], "--timeout", "0.3", check=False)
    assert r.returncode == 4, r.stderr
    assert len(re.findall(r"thread \d+ \(prog\)", r.stderr)) == 1, r.stderr
    assert re.search(r"thread \d+ \(prog\) is in slow", r.stderr), r.stderr
    assert snapshot(t.pid, ticker["prog"]) == before
    os.kill(t.pid, signal.SIGUSR1)
    t.wait_for("left slow")
    apply(suture, t.pid, ticker["SLOW"])
    assert "EINTR" not in t.text() and "SYSERR" not in t.text()


def test_none_ignores_threads_in_function(suture, ticker, start):
    t = start(ticker["prog"], "-b")
    run([suture, "apply", "--consistency", "none", str(t.pid), str(ticker["SLOW"])])
    os.kill(t.pid, signal.SIGUSR1)
    t.wait_for("left slow")   # the old frame finished in the old code


def test_process_exits_midway(suture, ticker, start):
    t = start(ticker["prog"], "-b", "-x", "1")
    r = apply(suture, t.pid, ticker["SLOW"], "--timeout", "10", check=False)
    assert r.returncode == 1
    assert f"process {t.pid} (prog) exited" in r.stderr


@ALL_PROCESSES
def test_all_processes(suture, start, tmp_path):
    # a program of its own (answer() adds 3), so that the patch, bound by
    # answer()'s bytes, matches no process of another test
    ticker = build(suture, tmp_path, extra=["-DORIG_ADD=3"], variants=["ANSWER"], prefix="all_")
    ts = [start(ticker["prog"]) for _ in range(3)]
    r = run([suture, "apply", "--consistency", "stop", "--all", str(ticker["ANSWER"])], check=False)
    assert r.returncode == 2 and "names no build-id" in r.stderr and "--target FILE" in r.stderr
    r = run([suture, "apply", "--consistency", "stop", "--target", str(ticker["prog"]), "--all",
             str(ticker["ANSWER"])])
    assert "applied 'all_answer' to 3 processes" in r.stdout
    for t in ts:
        assert is_answer_patch(t.next_values())
    st = run_json([suture, "status", "--json", "--all"])
    pids = {p["pid"] for p in st["processes"] if p["patches"]}
    assert {t.pid for t in ts} <= pids
    run([suture, "revert", str(ts[0].pid), "all_answer"])
    assert is_original(ts[0].next_values())
    r = run([suture, "revert", "--all", "all_answer"])
    assert "reverted 'all_answer' in 2 processes" in r.stdout
    for t in ts:
        assert is_original(t.next_values())


def test_status_without_patches(suture, ticker, start):
    t = start(ticker["prog"])
    r = run([suture, "status", str(t.pid)])
    assert f"process {t.pid} (prog): 0 patches" in r.stdout
    r = run([suture, "revert", str(t.pid), "answer"], check=False)
    assert r.returncode == 1 and "no patch named 'answer'" in r.stderr


# --- breadth: shared libraries, non-PIE --------------------------------

def test_shared_library_function(suture, start, tmp_path):
    """calc() lives in libcalc.so; the patch binds to the library (by the
    function's bytes) and its new code reads the library's static scale."""
    lib = build(suture, tmp_path / "lib", src_name="libcalc.c", extra=["-fPIC"], variants=["CALC"],
                program=False)
    so = tmp_path / "libcalc.so"
    run(["gcc", "-shared", str(lib["orig.o"]), "-o", str(so)])
    prog = tmp_path / "usecalc"
    run(["gcc", "-O2", str(pathlib.Path(__file__).parent / "runtime-progs" / "usecalc.c"),
         str(so), f"-Wl,-rpath,{tmp_path}", "-o", str(prog)])
    t = start(prog)
    assert is_original(t.next_values())
    apply(suture, t.pid, lib["CALC"])
    assert is_answer_patch(t.next_values(), 5000)
    st = run_json([suture, "status", "--json", str(t.pid)])
    assert st["processes"][0]["patches"][0]["object"] == str(so)
    run([suture, "revert", str(t.pid), "calc"])
    assert is_original(t.next_values())


def test_non_pie(suture, start, tmp_path):
    """A non-PIE program: the new code's absolute 32-bit references work
    because the patch's memory is placed near the program, below 4 GB."""
    t_ = build(suture, tmp_path, extra=["-fno-pie"], link=["-no-pie"], variants=["ANSWER", "LIBC"])
    t = start(t_["prog"], "-t", "2")
    assert is_original(t.next_values())
    apply(suture, t.pid, t_["ANSWER"])
    assert is_answer_patch(t.next_values())
    apply(suture, t.pid, t_["LIBC"])
    assert t.next_values() == [t.pid] * 3
    run([suture, "revert", str(t.pid), "--all"])
    assert is_original(t.next_values())


def test_built_with_suture_cc(suture, suture_cc, start, tmp_path):
    """The padding suture-cc makes (one 5-byte NOP), with stop's stack check."""
    t_ = build(suture, tmp_path, variants=["ANSWER", "SLOW"], cc=suture_cc)
    t = start(t_["prog"], "-t", "2", "-b")
    apply(suture, t.pid, t_["ANSWER"])
    assert is_answer_patch(t.next_values())
    r = apply(suture, t.pid, t_["SLOW"], "--timeout", "0.2", check=False)
    assert r.returncode == 4 and "is in slow" in r.stderr
    os.kill(t.pid, signal.SIGUSR1)
    t.wait_for("left slow")
    apply(suture, t.pid, t_["SLOW"])
    run([suture, "revert", str(t.pid), "--all"])
    assert is_original(t.next_values())
    # (SIGUSR1 may land on a sleeper: its EINTR is the program's own)
    assert "SYSERR" not in t.text()


def test_killed_suture_never_half_patched(suture, ticker, start):
    """SIGKILL suture at many points of apply and revert: the process keeps
    running one whole version, `status` says which, and `revert` (of an
    interrupted apply too) cleans up."""
    import random
    rnd = random.Random(5)
    t = start(ticker["prog"], "-t", "4")
    outcomes = set()
    for i in range(24):
        applied = any(p["name"] == "answer" for p in run_json(
            [suture, "status", "--json", str(t.pid)])["processes"][0]["patches"])
        cmd = ([suture, "revert", str(t.pid), "answer"] if applied else
               [suture, "apply", "--consistency", "stop", str(t.pid), str(ticker["ANSWER"])])
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rnd.uniform(0, 0.004))
        p.kill()
        p.wait()
        assert t.alive(), f"round {i}: the target died ({t.proc.returncode}) after {cmd[1]}"
        r = run([suture, "status", "--json", str(t.pid)], check=False)
        assert r.returncode == 0, f"round {i} ({cmd[1]}): {r.stderr} {t.proc.poll()}"
        patches = validated("status", r.stdout)["processes"][0]["patches"]
        vals = t.next_values()
        if patches and patches[0]["runs"] == "new":
            assert is_answer_patch(vals), (i, patches, vals)
        else:
            assert is_original(vals), (i, patches, vals)
        assert "SYSERR" not in t.text(), i
        if patches:
            outcomes.add(patches[0]["state"])
            if patches[0]["state"] != "applied":
                run([suture, "revert", str(t.pid), "answer"])
                assert is_original(t.next_values())
    assert "EINTR" not in t.text()


@ALL_PROCESSES
def test_all_undone_when_one_fails(suture, start, tmp_path):
    """--all where one process cannot switch in time: the processes already
    patched are reverted, so no process is changed (exit 4)."""
    ticker = build(suture, tmp_path, extra=["-DSLOW_MS=7"], variants=["SLOW"], prefix="undo_")
    free = start(ticker["prog"])
    held = start(ticker["prog"], "-b")           # a thread sits in slow()
    assert free.pid < held.pid
    before = [snapshot(t.pid, ticker["prog"]) for t in (free, held)]
    r = run([suture, "apply", "--consistency", "stop", "--timeout", "0.3", "--target", str(ticker["prog"]),
             "--all", str(ticker["SLOW"])], check=False)
    assert r.returncode == 4, r.stderr
    assert "is in slow" in r.stderr and "reverted 'undo_slow' in the 1 process" in r.stderr
    after = [snapshot(t.pid, ticker["prog"]) for t in (free, held)]
    assert after[0][1] == before[0][1] and after[1] == before[1]
    st = run_json([suture, "status", "--json", str(free.pid)])
    assert st["processes"][0]["patches"] == []


def test_stopped_process_stays_stopped(suture, ticker, start):
    """A process stopped with SIGSTOP is patched without running a single
    line of its own, stays stopped, and runs the new code once continued."""
    t = start(ticker["prog"], "-t", "2")
    t.next_values()   # its threads are past their start (a new one may not unwind yet)
    os.kill(t.pid, signal.SIGSTOP)
    time.sleep(0.1)
    printed = len(t.values())
    apply(suture, t.pid, ticker["ANSWER"])
    time.sleep(0.2)
    state = pathlib.Path(f"/proc/{t.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    assert state == "T" and len(t.values()) == printed
    os.kill(t.pid, signal.SIGCONT)
    assert is_answer_patch(t.next_values())
    assert "SYSERR" not in t.text()


def add_callbacks(patch, out, callbacks):
    """Writes OUT: PATCH with callback records ({kind: function name}; kinds
    as in docs/patch-format.md), the way `suture build --manual` will."""
    import struct
    syms = run(["readelf", "-sW", str(patch)]).stdout
    index = {m.group(2): int(m.group(1)) for m in
             re.finditer(r"^\s*(\d+):\s+\S+\s+\d+\s+FUNC\s+\S+\s+\S+\s+\S+\s+(\S+)$", syms, re.M)}
    records = b"".join(struct.pack("<II", kind, index[name]) for kind, name in callbacks.items())
    work = pathlib.Path(str(out) + ".d")
    work.mkdir()
    from diffutil import sections
    offset, size = sections(patch)[".suture.header"]
    header = bytearray(pathlib.Path(patch).read_bytes()[offset:offset + size])
    header[28:32] = struct.pack("<I", len(callbacks))   # n_callbacks
    (work / "hdr").write_bytes(bytes(header))
    (work / "cb").write_bytes(records)
    run(["objcopy", "--update-section", f".suture.header={work / 'hdr'}",
         "--update-section", f".suture.callbacks={work / 'cb'}", str(patch), str(out)])
    from sealing import seal
    out.write_bytes(seal(out.read_bytes()))   # objcopy drops the trailer
    return out


def test_callbacks(suture, start, tmp_path):
    """pre-patch, post-patch, pre-unpatch and post-unpatch run in the
    target, in order, around the switches; a pre-patch callback that
    returns non-zero refuses the patch and changes nothing."""
    t_ = build(suture, tmp_path, variants=["CALLBACKS"])
    patch = add_callbacks(t_["CALLBACKS"], tmp_path / "cb.o", {
        1: "ticker_pre_patch", 2: "ticker_post_patch",
        3: "ticker_pre_unpatch", 4: "ticker_post_unpatch"})
    info = run([suture, "info", str(patch)]).stdout
    assert "ticker_pre_patch" in info
    t = start(t_["prog"])
    apply(suture, t.pid, patch)
    assert is_answer_patch(t.next_values())
    run([suture, "revert", str(t.pid), "callbacks"])
    assert is_original(t.next_values())
    lines = t.text().splitlines()
    events = [line for line in lines if "patch" in line]
    # (the callbacks call the patch's own answer(), as ld would bind it)
    assert events == ["pre-patch", "post-patch 1000", "pre-unpatch", "post-unpatch 1000"], events
    # pre-patch ran before any new answer was printed, post-patch after
    first_new = next(i for i, x in enumerate(lines) if x.isdigit() and int(x) >= 1000)
    assert lines.index("pre-patch") < first_new

    proc_env = dict(os.environ, TICKER_REFUSE="1")
    out = tmp_path / "refuse.txt"
    with open(out, "w") as fh:
        p = subprocess.Popen([str(t_["prog"])], stdout=fh, env=proc_env)
    try:
        time.sleep(0.3)
        before = snapshot_after_callbacks(p.pid, t_["prog"])
        r = run([suture, "apply", "--consistency", "stop", str(p.pid), str(patch)], check=False)
        assert r.returncode == 1
        assert "pre-patch callback 'ticker_pre_patch' of patch 'callbacks' returned 7" in r.stderr
        assert snapshot_after_callbacks(p.pid, t_["prog"]) == before
        assert "pre-patch" in out.read_text() and "post-patch" not in out.read_text()
    finally:
        p.kill()
        p.wait()


@pytest.mark.parametrize("point, runs", [("loaded", "old"), ("phase1", "old"),
                                         ("gate", "new"), ("phase3", "new")])
def test_killed_at_each_point_of_the_switch(suture, ticker, start, point, runs):
    """suture SIGKILLed at each point of apply (SUTURE_FAULT): the process
    runs all-old or all-new code, status says which, and revert cleans up."""
    t = start(ticker["prog"], "-t", "2")
    env = dict(os.environ, SUTURE_FAULT=point)
    r = subprocess.run([suture, "apply", "--consistency", "stop", str(t.pid), str(ticker["ANSWER"])],
                       env=env, capture_output=True, text=True)
    assert r.returncode == -signal.SIGKILL
    assert t.alive()
    (p,) = run_json([suture, "status", "--json", str(t.pid)])["processes"][0]["patches"]
    assert p["interrupted"] and p["runs"] == runs, p
    assert p["state"] == ("loaded" if point == "loaded" else "applying")
    vals = t.next_values()
    assert is_answer_patch(vals) if runs == "new" else is_original(vals)
    text = run([suture, "status", str(t.pid)]).stdout
    assert f"interrupted apply: the process runs the {runs} code" in text
    # a new apply is refused until the interrupted one is cleaned up
    r = apply(suture, t.pid, ticker["ANSWER"], check=False)
    assert r.returncode == 1 and "interrupted apply of patch 'answer'" in r.stderr
    run([suture, "revert", str(t.pid), "answer"])
    assert is_original(t.next_values())
    assert run_json([suture, "status", "--json", str(t.pid)])["processes"][0]["patches"] == []
    assert "SYSERR" not in t.text()
    # and the process can be patched again
    apply(suture, t.pid, ticker["ANSWER"])
    assert is_answer_patch(t.next_values())


@pytest.mark.parametrize("point, runs", [("phase1", "new"), ("gate", "old"), ("phase3", "old")])
def test_killed_during_revert(suture, ticker, start, point, runs):
    t = start(ticker["prog"])
    apply(suture, t.pid, ticker["ANSWER"])
    env = dict(os.environ, SUTURE_FAULT=point)
    r = subprocess.run([suture, "revert", str(t.pid), "answer"], env=env, capture_output=True, text=True)
    assert r.returncode == -signal.SIGKILL
    (p,) = run_json([suture, "status", "--json", str(t.pid)])["processes"][0]["patches"]
    assert p["state"] == "reverting" and p["runs"] == runs, p
    vals = t.next_values()
    assert is_answer_patch(vals) if runs == "new" else is_original(vals)
    run([suture, "revert", str(t.pid), "answer"])
    assert is_original(t.next_values())
    # and the process can be patched again
    apply(suture, t.pid, ticker["ANSWER"])
    assert is_answer_patch(t.next_values())
    run([suture, "revert", str(t.pid), "answer"])
    assert is_original(t.next_values())


def test_deleted_and_replaced_executable(suture, ticker, start, tmp_path):
    """The program's file was deleted (or replaced by a new build) since
    it started: suture reads the mapped file itself, through map_files."""
    import shutil
    gone = tmp_path / "gone"
    shutil.copy(ticker["prog"], gone)
    t = start(gone)
    gone.unlink()
    apply(suture, t.pid, ticker["ANSWER"])
    assert is_answer_patch(t.next_values())

    swapped = tmp_path / "swapped"
    shutil.copy(ticker["prog"], swapped)
    t2 = start(swapped)
    swapped.unlink()
    swapped.write_bytes(b"not the program any more\n")
    apply(suture, t2.pid, ticker["ANSWER"])
    assert is_answer_patch(t2.next_values())


def test_stack_through_patch_code(suture, ticker, start):
    """A thread sleeps in the new inner() (patch memory) called by outer():
    stop walks through the patch's frame (its .eh_frame is known to the
    unwinder), sees outer() below it, and does not replace outer() under
    it.  (test_patchlib.py: the same thread holds back nothing else.)"""
    t = start(ticker["prog"], "-w")
    run([suture, "apply", "--consistency", "none", str(t.pid), str(ticker["INNER"])])
    time.sleep(0.05)   # the thread is in the new inner() now
    r = apply(suture, t.pid, ticker["OUTER"], "--timeout", "0.3", check=False)
    assert r.returncode == 4, r.stderr
    assert "is in outer" in r.stderr and "cannot be unwound" not in r.stderr, r.stderr


def test_stack_that_cannot_be_walked(suture, start, tmp_path):
    """A thread sleeping below code without unwind information (assembly
    without CFI): stop cannot see what lies below that frame (a function
    being replaced could), so the thread counts as busy and is named;
    nothing changes.  The same patch applies without that thread, and
    under `none`."""
    b = build(suture, tmp_path, src_name="nocfi.c", variants=["ANSWER"])

    def values(t):
        n = len(t.text().split())
        time.sleep(0.1)
        return [int(x) for x in t.text().split()[n:] if x.isdigit()]

    t = start(b["prog"], "-n")
    before = snapshot(t.pid, b["prog"])
    r = apply(suture, t.pid, b["ANSWER"], "--timeout", "0.3", check=False)
    assert r.returncode == 4, r.stderr
    tid = [x for x in os.listdir(f"/proc/{t.pid}/task") if x != str(t.pid)][0]
    assert re.search(rf"thread {tid} \(prog\) cannot be unwound past 0x[0-9a-f]+", r.stderr), r.stderr
    assert snapshot(t.pid, b["prog"]) == before
    assert all(v < 1000 for v in values(t))
    run([suture, "apply", "--consistency", "none", str(t.pid), str(b["ANSWER"])])
    assert all(v >= 1000 for v in values(t))

    plain = start(b["prog"])
    apply(suture, plain.pid, b["ANSWER"])
    assert all(v >= 1000 for v in values(plain))
