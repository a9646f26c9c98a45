"""suture audit on binaries built with and without suture-cc, and on
running processes the kernel would not let suture patch."""
import json
import pathlib
import subprocess

import pytest

from conftest import run
from roomutil import Entries
from schemacheck import run_json

CORPUS = pathlib.Path(__file__).resolve().parent / "impact-corpus"


def build_prog(cc, tmp_path, name, flags):
    out = tmp_path / name
    run([*cc, *flags, str(CORPUS / "clones.c"), str(CORPUS / "unit1.c"),
         str(CORPUS / "audit_stub.c"), "-o", str(out)], cwd=tmp_path)
    return str(out)


def test_suture_cc_binary(suture, suture_cc, tmp_path):
    prog = build_prog([suture_cc], tmp_path, "good", ["-O2", "-fease-live-patching"])
    proc = run([suture, "audit", prog])
    out = proc.stdout
    assert "built with suture-cc" in out
    assert f"unit {CORPUS}/clones.c (from suture-cc): GCC 12" in out
    assert "-fease-live-patching=inline-clone" in out
    assert out.count("ABI-breaking optimizations on: none") == 3
    assert "inlining and cloning on: ipa-sra, ipa-cp, partial-inlining, inlining of globals, " \
           "inlining of statics" in out
    assert "findings: none" in out    # _start and the like are not the program's
    assert "verdict: can be live patched" in out
    # every function of the program's own units has entry padding
    report = run_json([suture, "audit", "--json", prog])
    padded = report["files"][0]["padded"]
    for fn in ["scale.constprop.0", "cp_user1", "get_x.isra.0", "slowpath", "unit1_total", "main"]:
        assert fn in padded
    assert "slowpath.cold" not in padded + report["files"][0]["unpadded"]
    # suture-cc's default: the prefix room, counted per function
    assert set(report["files"][0]["room"]) == set(padded)
    assert report["patchable"] is True
    assert "prefix room, 0 with a NOP at the entry)" in out


@pytest.mark.parametrize("flags,form", [
    (["-fpatchable-function-entry=5"], "nop"),
    (["-fpatchable-function-entry=16,16", "-fcf-protection=none"], "room"),
])
def test_gccs_own_padding_is_patchable(suture, tmp_path, flags, form):
    """GCC's own -fpatchable-function-entry, NOPs at the entry or before it:
    the functions are patchable, in the form the bytes show.  (Before the
    entry, a function whose first instruction is 1 byte is not.)"""
    prog = build_prog(["gcc"], tmp_path, "own", ["-O2", "-fno-ipa-ra", *flags])
    report = json.loads(run([suture, "audit", "--json", prog], check=False).stdout)
    f = report["files"][0]
    own = {"cp_user1", "cp_user2", "unit1_total", "main"}
    if form == "nop":
        assert own <= set(f["padded"]) and not set(f["room"]) & own
        return
    entries = Entries(pathlib.Path(prog))
    for fn in own:
        long_first = len(entries.first(fn)[0][0].split()) >= 2
        assert (fn in f["room"]) == long_first == (fn in f["padded"]), fn
    assert set(f["room"]) & own


def test_plain_gcc_binary(suture, tmp_path):
    prog = build_prog(["gcc"], tmp_path, "plain", ["-O2", "-g"])
    proc = run([suture, "audit", prog], check=False)
    assert proc.returncode == 1
    out = proc.stdout
    assert f"unit {CORPUS}/clones.c (from DWARF): GNU C17 12" in out
    assert "ABI-breaking optimizations on: ipa-ra, ipa-icf, ipa-pure-const, ipa-modref, " \
           "ipa-vrp, ipa-bit-cp, ipa-reference, ipa-stack-alignment" in out
    units = f"{CORPUS}/clones.c, {CORPUS}/unit1.c, {CORPUS}/audit_stub.c"
    assert f"warning: {prog}: ipa-ra was on in {units}" in out
    assert "callers keep values in the registers the callee is known not to clobber" in out
    assert "(or add -fno-ipa-ra)" in out
    assert f"ipa-cp was on in {units}, built without suture-cc" in out
    assert "blocker: " + prog + ": " in out and "functions have no entry padding" in out
    assert "verdict: cannot be live patched" in out
    report = run_json([suture, "audit", "--json", prog], check=False)
    assert report["patchable"] is False
    assert "ipa-icf" in report["files"][0]["units"][0]["abi_breaking"]


def test_explicit_options_and_gcc_live_patching(suture, tmp_path):
    prog = build_prog(["gcc"], tmp_path, "mixed",
                      ["-O2", "-g", "-fno-ipa-ra", "-fno-ipa-icf"])
    out = run([suture, "audit", prog], check=False).stdout
    assert "ABI-breaking optimizations on: ipa-pure-const, ipa-modref, ipa-vrp, " \
           "ipa-bit-cp, ipa-reference, ipa-stack-alignment" in out
    prog = build_prog(["gcc"], tmp_path, "lp",
                      ["-O2", "-g", "-flive-patching=inline-only-static"])
    out = run([suture, "audit", prog], check=False).stdout
    assert "ABI-breaking optimizations on: none" in out
    assert "inlining and cloning on: inlining of statics" in out


def test_binary_without_any_record(suture, tmp_path):
    prog = build_prog(["gcc"], tmp_path, "bare", ["-O2"])
    run(["strip", prog])
    proc = run([suture, "audit", prog], check=False)
    assert proc.returncode == 1
    assert "no record of how it was compiled (no suture-cc unit records, no DWARF)" in proc.stdout
    assert f"blocker: {prog} has no symbol table (stripped)" in proc.stdout


def test_functions_without_unwind_tables(suture, suture_cc, tmp_path):
    prog = build_prog([suture_cc], tmp_path, "nocfi",
                      ["-O2", "-fease-live-patching", "-fno-asynchronous-unwind-tables",
                       "-fno-unwind-tables"])
    out = run([suture, "audit", prog]).stdout
    assert f"warning: {prog} has no unwind tables (.eh_frame) for" in out
    report = run_json([suture, "audit", "--json", prog])
    assert "cp_user1" in report["files"][0]["no_unwind"]
    assert report["files"][0]["unwind_tables"] is False
    assert "rebuild without -fno-asynchronous-unwind-tables" in out


def test_static_binary(suture, suture_cc, tmp_path):
    prog = build_prog([suture_cc], tmp_path, "static",
                      ["-O2", "-fease-live-patching", "-static"])
    out = run([suture, "audit", prog]).stdout
    assert "statically linked" in out
    assert "link dynamically (no -static)" in out


def start_target(tmp_path, suture_cc, mode):
    exe = tmp_path / "target"
    if not exe.exists():
        run([suture_cc, "-O2", "-fease-live-patching", str(CORPUS / "audit_target.c"),
             "-o", str(exe)])
    proc = subprocess.Popen([str(exe), mode], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    line = proc.stdout.readline().split()
    assert line and line[1] == "ready", f"audit_target {mode} did not start"
    return proc, int(line[0])


def stop_target(proc):
    proc.stdin.close()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("mode,rc,expect", [
    ("plain", 0, []),
    ("strict", 1, ["blocker: process {pid} (target) runs in seccomp strict mode",
                   "the mmap and mprotect calls suture makes the process run"]),
    ("filter", 0, ["warning: process {pid} (target) runs under 1 seccomp filter",
                   "check that the filters allow mmap and mprotect"]),
    ("nodump", 0, ["info: process {pid} (target) is not dumpable",
                   "what to do: nothing: suture has CAP_SYS_PTRACE"]),
    ("traced", 1, ["blocker: process {pid} (target) is already traced by process {ppid}",
                   "detach the debugger or tracer (process {ppid}) first"]),
])
def test_process(suture, suture_cc, tmp_path, mode, rc, expect):
    proc, pid = start_target(tmp_path, suture_cc, mode)
    try:
        result = run([suture, "audit", "--pid", str(pid)], check=False)
        report = run_json([suture, "audit", "--json", "--pid", str(pid)],
                                check=False)
    finally:
        stop_target(proc)
    assert result.returncode == rc, result.stdout + result.stderr
    for text in expect:
        assert text.format(pid=pid, ppid=proc.pid) in result.stdout
    assert report["process"]["pid"] == pid
    exe = report["files"][0]
    assert exe["path"].endswith("/target") and exe["suture_records"] is True
    assert "main" in exe["padded"]
    # the C library it maps is audited too
    assert any("libc.so" in f["path"] for f in report["files"][1:])
    assert report["process"]["dumpable"] is (False if mode == "nodump" else None)
    if mode == "plain":
        assert report["patchable"] is True
        assert report["process"]["tracer_pid"] == 0 and report["process"]["seccomp"] == 0


def test_bad_usage(suture, tmp_path):
    proc = run([suture, "audit"], check=False)
    assert proc.returncode == 2 and "give one FILE, or --pid PID" in proc.stderr
    proc = run([suture, "audit", "--pid"], check=False)
    assert proc.returncode == 2 and "--pid needs a process id" in proc.stderr
    proc = run([suture, "audit", "--frobnicate", "x"], check=False)
    assert proc.returncode == 2 and "unknown option '--frobnicate'" in proc.stderr
    proc = run([suture, "audit", "--pid", "abc"], check=False)
    assert proc.returncode == 2 and "'abc' is not a process id" in proc.stderr
    proc = run([suture, "audit", "--pid", "999999999"], check=False)
    assert proc.returncode == 1 and "no process 999999999" in proc.stderr
    proc = run([suture, "audit", str(tmp_path / "nothing")], check=False)
    assert proc.returncode == 1 and "nothing" in proc.stderr and proc.stdout == ""


@pytest.mark.parametrize("level,inlining", [
    ("none", "none"),
    ("only-inline-static", "inlining of statics"),
    ("inline", "inlining of globals, inlining of statics"),
    ("inline-clone", "ipa-sra, ipa-cp, partial-inlining, inlining of globals, inlining of statics"),
])
def test_levels_in_objects(suture, suture_cc, tmp_path, level, inlining):
    obj = tmp_path / "clones.o"
    run([suture_cc, "-O2", f"-fease-live-patching={level}", "-c", str(CORPUS / "clones.c"),
         "-o", str(obj)])
    out = run([suture, "audit", str(obj)]).stdout
    assert f"{obj}: object" in out
    assert f"-fease-live-patching={level}\n" in out
    assert "ABI-breaking optimizations on: none" in out
    assert f"inlining and cloning on: {inlining}\n" in out
    assert "findings: none" in out


def test_process_running_a_deleted_file(suture, suture_cc, tmp_path):
    """After an upgrade the process still runs the old build: the audit
    reads it through /proc and says so."""
    exe = tmp_path / "target"
    run([suture_cc, "-O2", "-fease-live-patching", str(CORPUS / "audit_target.c"), "-o", str(exe)])
    proc = subprocess.Popen([str(exe), "plain"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        pid = int(proc.stdout.readline().split()[0])
        exe.unlink()
        report = run_json([suture, "audit", "--json", "--pid", str(pid)])
    finally:
        stop_target(proc)
    running = report["files"][0]
    assert running["path"] == f"{exe} (deleted)" and running["suture_records"] is True
    assert any(f["severity"] == "warning" and "replaced or removed since it started" in f["what"]
               and running["build_id"] in f["what"] for f in report["findings"])
