"""suture impact on hand-made cases: each kind of inlining and clone GCC
makes, with the exact lists a patch author must get (tests/impact-corpus/)."""
import pathlib
import sys

import pytest

from conftest import run
from schemacheck import run_json

CORPUS = pathlib.Path(__file__).resolve().parent / "impact-corpus"


def build(suture_cc, tmp_path, sources, out, level="inline-clone", extra=(), libs=()):
    cmd = [suture_cc, "-O2", f"-fease-live-patching={level}", *extra]
    if out.endswith(".o"):
        cmd.append("-c")
    cmd += [str(CORPUS / s) for s in sources] + ["-o", str(tmp_path / out), *libs]
    run(cmd, cwd=tmp_path)
    return str(tmp_path / out)


def lists(suture, *files, extra=()):
    """{function: [impacted...]} from the text output."""
    out = run([suture, "impact", *extra, *files]).stdout
    result = {}
    for line in out.splitlines():
        name, _, rest = line.partition(":")
        result[name] = rest.split()
    return result


def test_inlining_to_any_depth(suture, suture_cc, tmp_path):
    obj = build(suture_cc, tmp_path, ["inline_chain.c"], "chain.o")
    got = lists(suture, obj)
    assert got["leaf"] == ["api_a", "api_b"]     # leaf -> mid -> top -> api_a
    assert got["mid"] == ["api_a", "api_b"]
    assert got["top"] == ["api_a"]
    assert got["global_small"] == ["api_c"]
    assert got["forced"] == ["api_d"]
    assert got["api_a"] == []


@pytest.mark.parametrize("level,expect", [
    # none: only always_inline functions are inlined
    ("none", {"leaf": [], "top": [], "global_small": [], "forced": ["api_d"]}),
    # only-inline-static: statics, not the global one
    ("only-inline-static", {"leaf": ["api_a", "api_b"], "top": ["api_a"],
                            "global_small": [], "forced": ["api_d"]}),
    ("inline", {"leaf": ["api_a", "api_b"], "top": ["api_a"],
                "global_small": ["api_c"], "forced": ["api_d"]}),
])
def test_levels_bound_the_lists(suture, suture_cc, tmp_path, level, expect):
    obj = build(suture_cc, tmp_path, ["inline_chain.c"], "chain.o", level=level)
    got = lists(suture, obj)
    for name, impacted in expect.items():
        assert got[name] == impacted, (level, name)


@pytest.mark.parametrize("level", ["none", "only-inline-static", "inline"])
def test_levels_without_cloning_have_no_clones(suture, suture_cc, tmp_path, level):
    obj = build(suture_cc, tmp_path, ["clones.c"], "clones.o", level=level)
    got = lists(suture, obj)
    assert got["scale"] == [] and got["get_x"] == [] and got["both"] == []


def test_clones_and_their_callers(suture, suture_cc, tmp_path):
    obj = build(suture_cc, tmp_path, ["clones.c"], "clones.o")
    got = lists(suture, obj)
    # ipa-cp: the clone, and the callers that call it instead of scale
    assert got["scale"] == ["cp_user1", "cp_user2", "scale.constprop.0"]
    # ipa-sra
    assert got["get_x"] == ["get_x.isra.0", "sra_user1", "sra_user2"]
    # a clone of a clone: only the final clone exists as a symbol
    assert got["both"] == ["both.constprop.0.isra.0", "both_user1", "both_user2"]
    # the clone ipa-cp specialised on what cp_user1 passes changes with it,
    # and with that clone's signature, its other callers
    assert got["cp_user1"] == ["cp_user2", "scale.constprop.0"]
    # hot/cold pieces are their function: no "slowpath.cold" anywhere
    assert got["slowpath"] == []
    assert "slowpath.cold" not in got
    assert got["cold_user"] == []
    # clones do not get lists of their own in --all output
    assert "scale.constprop.0" not in got


def test_changing_what_a_caller_passes(suture, suture_cc, tmp_path):
    """The spec's example: change what cp_user1 passes to scale, and
    scale.constprop.0 changes (here: goes away, its callers call scale),
    while the list computed from the build before the change named it."""
    sys.path.insert(0, str(CORPUS))
    import oracle
    old = build(suture_cc, tmp_path, ["clones.c"], "old.o")
    new = build(suture_cc, tmp_path, ["clones.c"], "new.o", extra=["-DCP_USER1_K=4"])
    changed = oracle.changed_functions(oracle.object_functions(old),
                                       oracle.object_functions(new))
    assert "scale.constprop.0" in changed
    listed = set(lists(suture, old)["cp_user1"])
    assert changed - {"cp_user1"} <= listed


@pytest.mark.parametrize("out_of_line", [False, True])
def test_what_an_inlined_function_passes(suture, suture_cc, tmp_path, out_of_line):
    """pass_on is inlined into host and passes 5 to g (g.constprop.0);
    host passes 7 to h itself.  With pass_on's own code in the object, its
    calls show that h.constprop.0 is not pass_on's business; without it,
    every specialised callee of host is listed."""
    sys.path.insert(0, str(CORPUS))
    import oracle
    flags = ["-DPASS_ON_ADDRESS_TAKEN"] if out_of_line else []
    old = build(suture_cc, tmp_path, ["passes.c"], "old.o", extra=flags)
    got = lists(suture, old)["pass_on"]
    if out_of_line:
        assert got == ["g.constprop.0", "host", "other"]
    else:
        assert got == ["g.constprop.0", "h.constprop.0", "host", "other"]
    new = build(suture_cc, tmp_path, ["passes.c"], "new.o", extra=flags + ["-DPASS_K=6"])
    changed = oracle.changed_functions(oracle.object_functions(old),
                                       oracle.object_functions(new))
    assert "g.constprop.0" in changed and "host" in changed
    assert changed - {"pass_on"} <= set(got)


def test_partial_inlining(suture, suture_cc, tmp_path):
    obj = build(suture_cc, tmp_path, ["part.c"], "part.o")
    got = lists(suture, obj)
    assert got["lookup"] == ["lookup.part.0", "part_user1", "part_user2",
                             "part_user3", "part_user4"]


def test_simd_and_target_clones_by_their_final_names(suture, suture_cc, tmp_path):
    obj = build(suture_cc, tmp_path, ["vector.c"], "vector.o", extra=["-fopenmp-simd"])
    got = lists(suture, obj)
    # GCC's dump says poly.simdclone.N; the symbols are vector-ABI names
    assert got["poly"] == ["_ZGVbN4v_poly", "_ZGVcN4v_poly", "_ZGVdN8v_poly",
                           "_ZGVeN16v_poly"]
    # the ifunc resolver does not change with tc_sum's body; the default
    # version holds it
    assert got["tc_sum"] == ["tc_sum.avx2", "tc_sum.default"]


def test_function_removed_after_inlining(suture, suture_cc, tmp_path):
    obj = build(suture_cc, tmp_path, ["inline_chain.c"], "chain.o")
    out = run_json([suture, "impact", "--json", "--function", "leaf",
                          "--function", "api_c", obj])
    leaf, api_c = out["functions"]
    assert out["schema_version"] == 1
    assert leaf["function"] == "leaf" and leaf["removed"] is True
    assert [m["name"] for m in leaf["impacted"]] == ["api_a", "api_b"]
    assert all(m["why"] == "inlined" for m in leaf["impacted"])
    assert api_c["removed"] is False and api_c["impacted"] == []


def test_json_says_why(suture, suture_cc, tmp_path):
    obj = build(suture_cc, tmp_path, ["clones.c"], "clones.o")
    out = run_json([suture, "impact", "--json", "--function", "scale", obj])
    why = {m["name"]: (m["why"], m["via"]) for m in out["functions"][0]["impacted"]}
    assert why == {"scale.constprop.0": ("clone", "scale"),
                   "cp_user1": ("calls-clone", "scale.constprop.0"),
                   "cp_user2": ("calls-clone", "scale.constprop.0")}


def test_executable_same_lists_as_its_objects(suture, suture_cc, tmp_path):
    """Linked, the relocations are gone: callers of clones come from the
    disassembly, and must be the same."""
    obj = build(suture_cc, tmp_path, ["clones.c"], "clones.o")
    (tmp_path / "stub.c").write_text(
        "volatile int sink; void report(int x) { sink = x; }\n"
        "int main(void) { return 0; }\n")
    run([suture_cc, "-O2", "-fease-live-patching", str(tmp_path / "stub.c"), obj,
         "-o", str(tmp_path / "prog")], cwd=tmp_path)
    from_obj = lists(suture, obj)
    from_exe = lists(suture, str(tmp_path / "prog"))
    for name in ["scale", "get_x", "both", "cp_user1", "sra_user2", "slowpath"]:
        assert from_exe[name] == from_obj[name], name


def test_header_function_in_several_units_and_a_shared_library(suture, suture_cc, tmp_path):
    lib = build(suture_cc, tmp_path, ["libdemo.c"], "libdemo.so", extra=["-fPIC", "-shared"])
    prog = build(suture_cc, tmp_path, ["unit1.c", "unit2.c", "prog_main.c"], "prog",
                 libs=[f"-L{tmp_path}", "-ldemo"])
    got = lists(suture, prog, lib)
    clamp = got["clamp_add"]
    # inlined in three units of the program and in the library
    for caller in ["unit1_total", "unit2_walk", "main", "lib_entry"]:
        assert caller in clamp
    # the library's clone and its callers
    assert got["lib_scale"] == ["lib_entry", "lib_other", "lib_scale.constprop.0"]
    assert got["advance"] == ["advance.constprop.0", "unit2_skip", "unit2_walk"]
    # only the program: the library's functions are not there
    alone = lists(suture, prog)
    assert "lib_entry" not in alone["clamp_add"] and "main" in alone["clamp_add"]


def test_kept_dumps_are_accepted(suture, tmp_path):
    dump = tmp_path / "x.c.000i.ipa-clones"
    dump.write_text("Callgraph clone;h;1;x.c;1;1;f;2;x.c;3;1;inlining to\n"
                    "Callgraph clone;f;2;x.c;3;1;f.constprop.0;5;x.c;3;1;constprop\n"
                    "Callgraph removal;h;1;x.c;1;1\n")
    got = lists(suture, str(dump))
    assert got == {"f": ["f.constprop.0"], "h": ["f", "f.constprop.0"]}


def test_object_without_records_is_refused(suture, tmp_path):
    src = tmp_path / "plain.c"
    src.write_text("int f(int x) { return x + 1; }\n")
    run(["gcc", "-O2", "-c", str(src), "-o", str(tmp_path / "plain.o")])
    proc = run([suture, "impact", str(tmp_path / "plain.o")], check=False)
    assert proc.returncode == 1
    assert "plain.o holds no unit records: built without suture-cc -fease-live-patching" \
        in proc.stderr
    assert "rebuild it with 'suture-cc -fease-live-patching'" in proc.stderr
    assert proc.stdout == ""


def test_records_of_another_version_are_refused(suture, tmp_path):
    src = tmp_path / "x.c"
    src.write_text("int f(int x) { return x + 1; }\n")
    run(["gcc", "-O2", "-c", str(src), "-o", str(tmp_path / "x.o")])
    (tmp_path / "rec").write_bytes(b"suture-unit 2\nsource x.c\n\0")
    run(["objcopy", "--add-section", f".suture.units={tmp_path / 'rec'}",
         str(tmp_path / "x.o"), str(tmp_path / "v2.o")])
    for cmd in (["impact"], ["audit"]):
        proc = run([suture, *cmd, str(tmp_path / "v2.o")], check=False)
        assert proc.returncode == 1 and proc.stdout == ""
        assert "unit record version 2 is not supported" in proc.stderr


def test_bad_usage_and_unknown_function(suture, suture_cc, tmp_path):
    obj = build(suture_cc, tmp_path, ["clones.c"], "clones.o")
    proc = run([suture, "impact"], check=False)
    assert proc.returncode == 2 and "no FILE given" in proc.stderr
    proc = run([suture, "impact", "--bogus", obj], check=False)
    assert proc.returncode == 2 and "unknown option '--bogus'" in proc.stderr
    proc = run([suture, "impact", "--function", "nosuch", obj], check=False)
    assert proc.returncode == 1 and "no function named 'nosuch'" in proc.stderr
    proc = run([suture, "impact", str(tmp_path / "missing.o")], check=False)
    assert proc.returncode == 1 and "missing.o" in proc.stderr
    (tmp_path / "notes.txt").write_text("hello\n")
    proc = run([suture, "impact", str(tmp_path / "notes.txt")], check=False)
    assert proc.returncode == 1 and "neither an ELF file nor a -fdump-ipa-clones dump" \
        in proc.stderr


def test_live_patching_list_from_suture_cc(suture, suture_cc, tmp_path):
    """suture-cc -flive-patching-list prints what suture impact prints."""
    out = tmp_path / "list.txt"
    run([suture_cc, "-O2", "-fease-live-patching", f"-flive-patching-list=scale,{out}",
         "-c", str(CORPUS / "clones.c"), "-o", str(tmp_path / "clones.o")], cwd=tmp_path)
    assert out.read_text() == "scale: cp_user1 cp_user2 scale.constprop.0\n"
    proc = run([suture_cc, "-O2", "-fease-live-patching", "-flive-patching-list",
                "-c", str(CORPUS / "clones.c"), "-o", str(tmp_path / "c2.o")], cwd=tmp_path)
    assert proc.stdout == run([suture, "impact", str(tmp_path / "c2.o")]).stdout


def test_live_patching_list_at_link_time(suture, suture_cc, tmp_path):
    """Linking several units, suture-cc lists across all of them."""
    out = tmp_path / "list.txt"
    run([suture_cc, "-O2", "-fease-live-patching", f"-flive-patching-list=clamp_add,{out}",
         *[str(CORPUS / f) for f in ["unit1.c", "unit2.c", "prog_main.c", "libdemo.c"]],
         "-o", str(tmp_path / "prog")], cwd=tmp_path)
    listed = out.read_text().split(":", 1)[1].split()
    for caller in ["unit1_total", "unit2_walk", "main", "lib_entry"]:
        assert caller in listed
    assert out.read_text() == run([suture, "impact", "--function", "clamp_add",
                                   str(tmp_path / "prog")]).stdout
