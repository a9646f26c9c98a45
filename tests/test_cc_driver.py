"""suture-cc as a drop-in gcc: every command-line form a real build uses,
byte-identical output without suture options, the entry padding, and the
errors a user can make."""
import json
import os
import re
import subprocess

import pytest

from conftest import BUILD, run
from roomutil import ROOM, Entries, recorded_entries

SRC = """#include <stdio.h>
static int twice(int x) { return 2 * x; }
int work(int x) { return twice(x) + 1; }
int main(int argc, char **argv) { (void)argv; printf("%d\\n", work(argc)); return 0; }
"""
OTHER = "int other(int x) { return x - 1; }\n"
LEVEL = "-fease-live-patching"
ENDBR64 = "f3 0f 1e fa"
INT3_ROOM = " ".join(["cc"] * ROOM)


@pytest.fixture
def src(tmp_path):
    (tmp_path / "prog.c").write_text(SRC)
    (tmp_path / "other.c").write_text(OTHER)
    return tmp_path


def units(path):
    return json.loads(run([str(BUILD / "suture-units-dump"), str(path)]).stdout)


def function_starts(path):
    """function -> its first instructions' bytes, for each function symbol."""
    out = run(["objdump", "-d", "-w", str(path)]).stdout
    starts, current = {}, None
    for line in out.splitlines():
        head = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if head:
            current = starts.setdefault(head.group(1), [])
            continue
        insn = re.match(r"^\s*[0-9a-f]+:\t([0-9a-f ]+?)\s*\t", line)
        if current is not None and insn and len(current) < 2:
            current.append(insn.group(1).strip())
    return starts


def patchable_entries(path):
    """How many entries the __patchable_function_entries sections record
    (an object has one section per function, linked to its code)."""
    out = run(["readelf", "-SW", str(path)]).stdout
    sizes = re.findall(r"\] __patchable_function_entries\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)",
                       out)
    return sum(int(size, 16) // 8 for size in sizes)


# --- without suture options: exactly gcc -----------------------------------

@pytest.mark.parametrize("args", [
    ["-O2", "-c", "prog.c", "-o", "out.o"],
    ["-O2", "-g", "-fPIC", "-c", "prog.c", "-o", "out.o"],
    ["-O2", "prog.c", "other.c", "-o", "out.o"],
])
def test_without_suture_options_objects_are_byte_identical(suture_cc, src, args):
    run(["gcc", *args], cwd=src)
    expected = (src / "out.o").read_bytes()
    (src / "out.o").unlink()
    run([suture_cc, *args], cwd=src)
    assert (src / "out.o").read_bytes() == expected


@pytest.mark.parametrize("args", [
    ["--version"], ["-dumpversion"], ["-print-prog-name=cc1"], ["-print-search-dirs"],
    ["-E", "prog.c"], ["-O2", "-S", "prog.c", "-o", "-"],
])
def test_without_suture_options_output_is_gccs(suture_cc, src, args):
    assert run([suture_cc, *args], cwd=src).stdout == run(["gcc", *args], cwd=src).stdout


def test_gcc_is_overridable(suture_cc, src):
    log = src / "log"
    fake = src / "fake-gcc"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexec gcc "$@"\n')
    fake.chmod(0o755)
    env = dict(os.environ, SUTURE_CC_GCC=str(fake))
    run([suture_cc, "-c", "prog.c", LEVEL], cwd=src, env=env)
    assert "-flive-patching=inline-clone" in log.read_text()
    assert units(src / "prog.o")


# --- with a level: every command-line form ---------------------------------

def test_compile_only_names_the_object_like_gcc(suture_cc, src):
    run([suture_cc, "-O2", "-c", "prog.c", "other.c", LEVEL], cwd=src)
    assert units(src / "prog.o")[0]["output"] == "prog.o"
    assert units(src / "other.o")[0]["source"] == "other.c"


def test_o_anywhere_and_link(suture_cc, src):
    run([suture_cc, "-o", "prog", "-O2", LEVEL, "prog.c", "other.c"], cwd=src)
    assert run([str(src / "prog"), "x"]).stdout == "5\n"
    assert sorted(u["source"] for u in units(src / "prog")) == ["other.c", "prog.c"]


def test_link_only_passes_objects_through(suture_cc, src):
    run([suture_cc, "-O2", "-c", "prog.c", LEVEL], cwd=src)
    run(["gcc", "-O2", "-c", "other.c"], cwd=src)
    run([suture_cc, "prog.o", "other.o", "-o", "prog", LEVEL], cwd=src)
    [rec] = units(src / "prog")
    assert rec["source"] == "prog.c"
    assert run([str(src / "prog")]).stdout == "3\n"


def test_language_option_and_stdin(suture_cc, src):
    (src / "code.txt").write_text(OTHER)
    run([suture_cc, "-x", "c", "-c", "code.txt", "-o", "x.o", LEVEL], cwd=src)
    assert units(src / "x.o")[0]["source"] == "code.txt"
    subprocess.run([suture_cc, "-x", "c", "-c", "-", "-o", "stdin.o", LEVEL], cwd=src,
                   input=OTHER, text=True, check=True)
    [rec] = units(src / "stdin.o")
    assert rec["source"] == "-" and rec["output"] == "stdin.o"


def test_dependency_files(suture_cc, src):
    run([suture_cc, "-O2", "-MD", "-MF", "deps/prog.d", "-MT", "obj/prog.o",
         "-c", "prog.c", "-o", "prog.o", LEVEL], cwd=src, check=False)
    (src / "deps").mkdir()
    run([suture_cc, "-O2", "-MD", "-MF", "deps/prog.d", "-MT", "obj/prog.o",
         "-c", "prog.c", "-o", "prog.o", LEVEL], cwd=src)
    deps = (src / "deps" / "prog.d").read_text()
    assert deps.startswith("obj/prog.o: prog.c") and "stdio.h" in deps
    assert units(src / "prog.o")


def test_response_file_may_hold_suture_options(suture_cc, src):
    (src / "args.rsp").write_text('-O2 -c "prog.c" -o rsp.o -fease-live-patching=inline\n')
    run([suture_cc, "@args.rsp"], cwd=src)
    [rec] = units(src / "rsp.o")
    assert rec["level"] == "inline"
    assert rec["args"] == ["-O2", "-c", "prog.c", "-o", "rsp.o", "-fease-live-patching=inline"]


def test_preprocess_only_is_unchanged(suture_cc, src):
    assert run([suture_cc, "-E", "prog.c", LEVEL], cwd=src).stdout == \
        run(["gcc", "-E", "prog.c"], cwd=src).stdout


def test_syntax_only_writes_nothing(suture_cc, src):
    run([suture_cc, "-fsyntax-only", "prog.c", LEVEL], cwd=src)
    assert sorted(p.name for p in src.iterdir()) == ["other.c", "prog.c"]


def test_assembly_output_holds_padding_and_record(suture_cc, src):
    asm = run([suture_cc, "-O2", "-S", "prog.c", "-o", "-", LEVEL], cwd=src).stdout
    assert "\t.fill\t16, 1, 0xcc\n" in asm
    assert "\tnop\n" not in asm
    assert '.section\t.suture.units,"",@progbits' in asm
    run([suture_cc, "-O2", "-S", "prog.c", LEVEL], cwd=src)
    assert ".suture.units" in (src / "prog.s").read_text()


def test_pipe_and_save_temps(suture_cc, src):
    run([suture_cc, "-O2", "-pipe", "-c", "prog.c", "-o", "pipe.o", LEVEL], cwd=src)
    assert units(src / "pipe.o")[0]["ipa_clones"]
    run([suture_cc, "-O2", "-save-temps", "-c", "prog.c", LEVEL], cwd=src)
    assert (src / "prog.i").exists()
    assert ".suture.units" in (src / "prog.s").read_text()
    assert units(src / "prog.o")[0]["source"] == "prog.c"


def test_queries_work_with_a_level(suture_cc, src):
    assert run([suture_cc, "--version", LEVEL]).stdout == run(["gcc", "--version"]).stdout
    assert run([suture_cc, "-print-prog-name=cc1", LEVEL]).stdout == \
        run(["gcc", "-print-prog-name=cc1"]).stdout
    verbose = run([suture_cc, "-v", "-c", "prog.c", LEVEL], cwd=src)
    assert "gcc version" in verbose.stderr and units(src / "prog.o")


def test_users_own_ipa_clones_dump_is_kept(suture_cc, src):
    run([suture_cc, "-O2", "-c", "prog.c", "-fdump-ipa-clones", LEVEL], cwd=src)
    dump = (src / "prog.c.000i.ipa-clones").read_text()
    assert "Callgraph clone;twice;" in dump
    assert units(src / "prog.o")[0]["ipa_clones"] == dump.splitlines()


# --- entry padding ----------------------------------------------------------

@pytest.mark.parametrize("cet", [False, True])
def test_a_room_before_every_function_entry(suture_cc, src, cet):
    flags = ["-fcf-protection"] if cet else ["-fcf-protection=none"]
    run([suture_cc, "-O2", *flags, "-c", "prog.c", "other.c", LEVEL], cwd=src)
    for obj in ("prog.o", "other.o"):
        entries = Entries(src / obj)
        assert set(entries.funcs) >= {"work", "main"} if obj == "prog.o" else {"other"}
        for func in entries.funcs:
            assert entries.room(func) == INT3_ROOM, func
            assert (entries.first(func)[0][0] == ENDBR64) == cet, func
        assert len(recorded_entries(src / obj)) == len(entries.funcs)


def test_linked_program_keeps_the_padding(suture_cc, src):
    run([suture_cc, "-O2", "prog.c", "other.c", "-o", "prog", LEVEL], cwd=src)
    entries = Entries(src / "prog")
    for func in ("main", "work", "other"):
        assert entries.room(func) == INT3_ROOM
    assert recorded_entries(src / "prog") == {
        entries.funcs[f][1] - ROOM for f in ("main", "work", "other")}


# --- errors -----------------------------------------------------------------

def assert_refused(proc, code, message, src):
    assert proc.returncode == code
    assert proc.stderr == f"suture-cc: {message}\n"
    assert sorted(p.name for p in src.iterdir()) == ["other.c", "prog.c"]


def test_unknown_level(suture_cc, src):
    proc = run([suture_cc, "-c", "prog.c", "-fease-live-patching=fast"], cwd=src, check=False)
    assert_refused(proc, 2, "unknown level 'fast' in '-fease-live-patching=fast'; "
                   "the levels are: none, only-inline-static, inline, inline-clone", src)


@pytest.mark.parametrize("option,level", [
    ("-fipa-icf", "inline-clone"), ("-fipa-ra", "none"), ("-fipa-pure-const", "inline"),
    ("-fipa-modref", "only-inline-static"), ("-fipa-cp", "inline"),
    ("-fipa-sra", "only-inline-static"), ("-finline-functions", "none"),
    ("-fpatchable-function-entry=16,14", "inline-clone"),
    ("-flive-patching=inline-only-static", "inline-clone"),
])
def test_contradicting_option(suture_cc, src, option, level):
    proc = run([suture_cc, "-O2", option, "-c", "prog.c", f"-fease-live-patching={level}"],
               cwd=src, check=False)
    assert_refused(proc, 2, f"'{option}' is incompatible with "
                   f"'-fease-live-patching={level}'", src)


def test_option_turned_off_again_is_accepted(suture_cc, src):
    run([suture_cc, "-O2", "-fipa-icf", "-fno-ipa-icf", "-fipa-cp", "-c", "prog.c", LEVEL],
        cwd=src)
    assert units(src / "prog.o")


def test_gcc_without_the_levels_option_is_named(suture_cc, src):
    fake = src / "old-gcc"
    fake.write_text('#!/bin/sh\nfor a; do case "$a" in -flive-patching*) '
                    'echo "gcc: error: unrecognized command-line option \'$a\'" >&2; '
                    'exit 1;; esac; done\nexec gcc "$@"\n')
    fake.chmod(0o755)
    proc = run([suture_cc, "-c", "prog.c", "-fease-live-patching=none"], cwd=src,
               check=False, env=dict(os.environ, SUTURE_CC_GCC=str(fake)))
    assert proc.returncode == 1
    assert "'-fease-live-patching=none' needs the gcc option " \
        "'-flive-patching=inline-only-static'" in proc.stderr
    assert not (src / "prog.o").exists()


def test_compile_error_passes_through_and_leaves_no_temporary(suture_cc, src):
    (src / "bad.c").write_text("int f(void) { return nope; }\n")
    tmp = src / "tmp"
    tmp.mkdir()
    proc = run([suture_cc, "-pipe", "-c", "bad.c", LEVEL], cwd=src, check=False,
               env=dict(os.environ, TMPDIR=str(tmp)))
    assert proc.returncode == 1
    assert "nope" in proc.stderr and "undeclared" in proc.stderr
    assert list(tmp.iterdir()) == [] and not (src / "bad.o").exists()


def test_list_without_level_warns_and_compiles(suture_cc, src):
    proc = run([suture_cc, "-O2", "-c", "prog.c", "-flive-patching-list=work,out.txt"],
               cwd=src)
    assert proc.stderr == ("suture-cc: warning: '-flive-patching-list' has no effect without "
                           "'-fease-live-patching'; ignored\n")
    assert (src / "prog.o").exists() and not (src / "out.txt").exists()
    assert units(src / "prog.o") == []


@pytest.mark.parametrize("option,message", [
    ("-flive-patching-listing", "unknown option '-flive-patching-listing'; did you mean "
     "'-flive-patching-list[=FUNC|all][,FILE]'?"),
    ("-flive-patching-list=work,", "'-flive-patching-list=work,' names no output file "
     "after the comma"),
])
def test_malformed_list_option(suture_cc, src, option, message):
    proc = run([suture_cc, "-c", "prog.c", option, LEVEL], cwd=src, check=False)
    assert_refused(proc, 2, message, src)


def test_source_keeps_its_directory(suture_cc, src):
    (src / "lib").mkdir()
    (src / "lib" / "util.c").write_text(OTHER)
    run([suture_cc, "-c", "lib/util.c", "prog.c", LEVEL], cwd=src)
    assert units(src / "util.o")[0]["source"] == "lib/util.c"
    assert units(src / "prog.o")[0]["source"] == "prog.c"


def test_meson_project(suture_cc, src):
    (src / "meson.build").write_text("project('p', 'c')\nexecutable('p', 'prog.c', 'other.c')\n")
    env = dict(os.environ, CC=suture_cc)
    run(["meson", "setup", "b", "-Dc_args=-fease-live-patching=inline"], cwd=src, env=env)
    run(["ninja", "-C", "b"], cwd=src, env=env)
    recs = units(src / "b" / "p")
    assert sorted(r["source"] for r in recs) == ["../other.c", "../prog.c"]
    assert {r["level"] for r in recs} == {"inline"}


def test_cplusplus_gets_padding_and_record(suture_cc, src):
    cc1plus = run(["gcc", "-print-prog-name=cc1plus"]).stdout.strip()
    if not os.path.isabs(cc1plus):
        pytest.skip("g++ (cc1plus) is not installed")
    (src / "m.cc").write_text("struct A { int f(int x); };\nint A::f(int x) { return x + 1; }\n")
    run([suture_cc, "-O2", "-c", "m.cc", LEVEL], cwd=src)
    assert Entries(src / "m.o").room("_ZN1A1fEi") == INT3_ROOM
    assert units(src / "m.o")[0]["source"] == "m.cc"


@pytest.mark.parametrize("form", [[], ["-fease-live-patching-entry=nop"]])
def test_gc_sections_keeps_the_entries_of_kept_functions(suture_cc, src, form):
    """GCC 12 links every __patchable_function_entries record to the first
    function's section; --gc-sections then dropped them all with it.  Both
    entry forms."""
    (src / "gc.c").write_text("int unused_first(int x) { return x * 7; }\n"
                              "__attribute__((noinline)) int used(int x) { return x + 1; }\n"
                              "int main(void) { return used(2) - 3; }\n")
    run([suture_cc, "-O2", "gc.c", "-o", "gc", "-Wl,--gc-sections", LEVEL, *form], cwd=src)
    starts = function_starts(src / "gc")
    assert "unused_first" not in starts and {"used", "main"} <= set(starts)
    assert patchable_entries(src / "gc") == 2


def test_very_long_command_line(suture_cc, src):
    """Over 64 KiB of arguments (gcc's own limit is near 128 KiB, the most
    one environment string holds): the driver hands them to the stage in a
    file, removed afterwards."""
    tmp = src / "tmp"
    tmp.mkdir()
    includes = [f"-Iinclude/directory/number/{i:05d}" for i in range(3000)]
    proc = run([suture_cc, "-O2", *includes, "-c", "prog.c", LEVEL], cwd=src, check=False,
               env=dict(os.environ, TMPDIR=str(tmp)))
    assert (proc.returncode, proc.stderr) == (0, "")
    [rec] = units(src / "prog.o")
    assert rec["args"][1:3001] == includes
    assert list(tmp.iterdir()) == []


def test_list_with_level_prints_the_impacted_list(suture_cc, src):
    proc = run([suture_cc, "-O2", "-c", "prog.c", LEVEL, "-flive-patching-list=twice,out.txt"],
               cwd=src, check=False)
    assert units(src / "prog.o")  # the compile itself always happens first
    if "not available in this version yet" in proc.stderr:
        pytest.skip("impact_print_lists is still the stub (branch impact not merged)")
    assert proc.returncode == 0, proc.stderr
    lines = (src / "out.txt").read_text().splitlines()
    # twice was inlined into work: patching twice means patching work
    assert lines[0].startswith("twice:") and "work" in lines[0].split()


def test_cplusplus_template_in_two_units_links_once(suture_cc, src):
    """A template instantiated in two units: the linker keeps one copy, and
    exactly one entry record for it (each record is linked to its own
    function's section)."""
    cc1plus = run(["gcc", "-print-prog-name=cc1plus"]).stdout.strip()
    if not os.path.isabs(cc1plus):
        pytest.skip("g++ (cc1plus) is not installed")
    tmpl = "template<class T> __attribute__((noinline)) T tw(T x) { return x * 2 + 1; }\n"
    (src / "u1.cc").write_text(tmpl + "int use1(int x) { return tw(x); }\n")
    (src / "u2.cc").write_text(tmpl + "int use2(int x) { return tw(x); }\n")
    (src / "m.cc").write_text("int use1(int);\nint use2(int);\n"
                              "int main() { return use1(1) + use2(2) - 8; }\n")
    run([suture_cc, "-O2", "m.cc", "u1.cc", "u2.cc", "-o", "tp", LEVEL], cwd=src)
    entries = Entries(src / "tp")
    funcs = ("main", "_Z4use1i", "_Z4use2i", "_Z2twIiET_S0_")
    assert all(entries.room(f) == INT3_ROOM for f in funcs)
    assert recorded_entries(src / "tp") == {entries.funcs[f][1] - ROOM for f in funcs}
    assert subprocess.run([str(src / "tp")]).returncode == 0
