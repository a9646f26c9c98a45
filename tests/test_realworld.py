"""A program nobody here wrote: Debian's Lua 5.4 interpreter, built from its
source package with suture-cc, runs a script; a one-line change to one of
its library functions becomes a patch with `suture diff` and goes into the
running interpreter with `suture apply`, then comes out with `revert`."""
import itertools
import os
import pathlib
import subprocess
import time

import pytest

import debsrc
from conftest import run

LOOP = """
local n = 0
while true do
  n = n + 1
  io.write(n, " ", string.upper("Hello World"), "\\n"); io.flush()
  local t = os.clock() + 0.02
  while os.clock() < t do end
end
"""


def compile_all(suture_cc, sources, outdir, cflags):
    """Compiles each source to outdir/NAME.o, two at a time."""
    procs = []
    objects = []
    for src in sources:
        obj = outdir / (src.stem + ".o")
        objects.append(obj)
        procs.append(subprocess.Popen([suture_cc, *cflags, "-c", str(src), "-o", str(obj)],
                                      stderr=subprocess.PIPE, text=True))
        if len(procs) >= 2:
            p = procs.pop(0)
            assert p.wait() == 0, p.stderr.read()
    for p in procs:
        assert p.wait() == 0, p.stderr.read()
    return objects


@pytest.fixture(scope="module")
def lua(tmp_path_factory, suture_cc):
    """Lua 5.4 from Debian's source, built with -fease-live-patching."""
    work = tmp_path_factory.mktemp("lua")
    src = pathlib.Path(debsrc.fetch_source("lua5.4", work / "debsrc")) / "src"
    build = work / "build"
    build.mkdir()
    # Debian's build generates this header from the host triplet
    (build / "lua5.4-deb-multiarch.h").write_text('#define DEB_HOST_MULTIARCH "x86_64-linux-gnu"\n')
    cflags = ["-O2", "-fease-live-patching", "-DLUA_USE_LINUX", f"-I{build}", f"-I{src}"]
    sources = [p for p in sorted(src.glob("*.c")) if p.name != "luac.c"]
    objects = compile_all(suture_cc, sources, build, cflags)
    run([suture_cc, "-O2", "-fease-live-patching", "-o", str(build / "lua"),
         *map(str, objects), "-lm", "-ldl"])
    return {"src": src, "build": build, "cflags": cflags, "lua": build / "lua"}


def lines_of(path):
    return [line.split(" ", 1)[1] for line in path.read_text().splitlines() if " " in line]


def wait_for_output(path, count=3):
    deadline = time.time() + 10
    while len(path.read_text().splitlines()) < count:
        assert time.time() < deadline, "lua printed nothing"
        time.sleep(0.05)


def start_loop(lua, tmp_path):
    """Starts lua on LOOP; returns the process and the file it prints to,
    once it has printed a few lines."""
    script = tmp_path / "loop.lua"
    script.write_text(LOOP)
    out = tmp_path / "out.txt"
    with out.open("w") as sink:
        proc = subprocess.Popen([str(lua["lua"]), str(script)], stdout=sink)
    wait_for_output(out)
    return proc, out


def test_lua_library_function_patched_live(lua, suture, suture_cc, tmp_path):
    fixed = tmp_path / "lstrlib.c"
    original = (lua["src"] / "lstrlib.c").read_text()
    assert "p[i] = toupper(uchar(s[i]));" in original
    fixed.write_text(original.replace("p[i] = toupper(uchar(s[i]));",
                                      "p[i] = tolower(uchar(s[i]));"))
    run([suture_cc, *lua["cflags"], "-c", str(fixed), "-o", str(tmp_path / "lstrlib.o")])
    report = run([suture, "diff", str(lua["build"] / "lstrlib.o"), str(tmp_path / "lstrlib.o"),
                  "-o", str(tmp_path / "lower.o")]).stdout
    assert report.splitlines() == [
        "changed  function  str_upper [reference]: "
        "refers to __ctype_tolower_loc-4 instead of __ctype_toupper_loc-4"]

    proc, out = start_loop(lua, tmp_path)
    try:
        run([suture, "apply", "--consistency", "stop", str(proc.pid), str(tmp_path / "lower.o")])
        applied_at = len(out.read_text().splitlines())
        status = run([suture, "status", str(proc.pid)]).stdout
        assert "lower: applied (stop)" in status and "str_upper" in status
        wait_for_output(out, applied_at + 5)
        run([suture, "revert", str(proc.pid), "lower"])
        reverted_at = len(out.read_text().splitlines())
        wait_for_output(out, reverted_at + 5)
        assert proc.poll() is None, "lua died"
    finally:
        proc.kill()
        proc.wait()
    printed = lines_of(out)
    # one process all along: upper case, then lower case, then upper again,
    # each switch made before suture returned (it frees the patch's memory
    # after the switch, so a few lines may come between the two)
    assert [case for case, _ in itertools.groupby(printed)] == ["HELLO WORLD", "hello world", "HELLO WORLD"]
    assert set(printed[applied_at:applied_at + 5]) == {"hello world"}
    assert set(printed[reverted_at:]) == {"HELLO WORLD"}
    assert not os.path.exists(f"/proc/{proc.pid}")


def test_lua_interpreter_loop_cannot_switch_under_stop(lua, suture, suture_cc, tmp_path):
    """luaV_execute runs for as long as the script does: the stop model
    must give up after --timeout, name the thread and the function, and
    leave the interpreter running its old code."""
    original = (lua["src"] / "lvm.c").read_text()
    head = "void luaV_execute (lua_State *L, CallInfo *ci) {\n  LClosure *cl;\n"
    assert head in original
    (tmp_path / "lvm.c").write_text(original.replace(
        head, "static volatile int executions;\n" + head + "  executions++;\n", 1))
    run([suture_cc, *lua["cflags"], "-c", str(tmp_path / "lvm.c"), "-o", str(tmp_path / "lvm.o")])
    run([suture, "diff", str(lua["build"] / "lvm.o"), str(tmp_path / "lvm.o"),
         "-o", str(tmp_path / "vm.o")])

    proc, out = start_loop(lua, tmp_path)
    try:
        maps_before = pathlib.Path(f"/proc/{proc.pid}/maps").read_text()
        r = run([suture, "apply", "--consistency", "stop", "--timeout", "1",
                 str(proc.pid), str(tmp_path / "vm.o")], check=False)
        assert r.returncode == 4, r.stderr
        assert r.stderr.strip() == (
            f"suture apply: process {proc.pid} (lua): the switch could not happen within 1 s: "
            f"thread {proc.pid} (lua) "
            "is in luaV_execute; nothing was changed (retry with a longer --timeout, "
            "or when the process is idle)")
        assert pathlib.Path(f"/proc/{proc.pid}/maps").read_text() == maps_before
        assert "0 patches" in run([suture, "status", str(proc.pid)]).stdout
        printed_before = len(out.read_text().splitlines())
        wait_for_output(out, printed_before + 3)
        assert proc.poll() is None, "lua died"
    finally:
        proc.kill()
        proc.wait()
