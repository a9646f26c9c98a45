"""Each -fease-live-patching level allows exactly the IPA transformations
the spec's table allows, proved on objects compiled by real gcc from
tests/cc-corpus/ipa.c: symbols, relocations and disassembly (objdump), and
GCC's -fdump-ipa-clones output as kept in the unit record."""
import json
import re

import pytest

from conftest import BUILD, ROOT, run

CORPUS = ROOT / "tests" / "cc-corpus" / "ipa.c"
LEVELS = ["none", "only-inline-static", "inline", "inline-clone"]
BUILDS = ["O2"] + LEVELS


@pytest.fixture(scope="module")
def objects(suture_cc, tmp_path_factory):
    """Build name -> (functions, ipa-clones lines) for plain -O2 and each
    level.  functions maps a function to its instructions and the symbols
    its relocations name."""
    tmp = tmp_path_factory.mktemp("levels")
    result = {}
    for build in BUILDS:
        obj = tmp / f"{build}.o"
        if build == "O2":
            dump = tmp / "O2.clones"
            # the sections alone change no IPA decision; they let
            # relocations name the function they point to
            run(["gcc", "-O2", "-ffunction-sections", "-c", str(CORPUS), "-o", str(obj),
                 f"-fdump-ipa-clones={dump}"])
            clones = dump.read_text().splitlines()
        else:
            run([suture_cc, "-O2", "-c", str(CORPUS), "-o", str(obj),
                 f"-fease-live-patching={build}"])
            [rec] = json.loads(run([str(BUILD / "suture-units-dump"), str(obj)]).stdout)
            clones = rec["ipa_clones"]
        result[build] = (disassemble(obj), clones)
    return result


def disassemble(obj):
    """function -> {"insns": [...], "calls": [symbols its relocations name]}"""
    out = run(["objdump", "-dr", "--no-show-raw-insn", "-w", str(obj)]).stdout
    functions, current = {}, None
    for line in out.splitlines():
        head = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if head:
            current = functions.setdefault(head.group(1), {"insns": [], "calls": []})
            continue
        if current is None or not line.strip():
            continue
        reloc = re.search(r"R_X86_64_\w+\s+([^\s+-]+)", line)
        if reloc:
            # a call to a static function names its section: .text.NAME
            target = re.sub(r"^\.text\.(unlikely\.|hot\.|startup\.)?", "", reloc.group(1))
            current["calls"].append(target)
        else:
            current["insns"].append(line.split("\t", 1)[-1].strip())
    return functions


def inlined(clones, callee, caller):
    """Does GCC's clone dump say CALLEE was inlined into CALLER?"""
    return any(line.startswith(f"Callgraph clone;{callee};") and f";{caller};" in line
               and line.endswith("inlining to") for line in clones)


def allowed(build, *levels):
    return build == "O2" or build in levels


@pytest.mark.parametrize("build", BUILDS)
def test_static_function_inlined_except_at_none(objects, build):
    funcs, clones = objects[build]
    if build == "none":
        assert not inlined(clones, "sq", "use_static")
        assert "sq" in funcs["use_static"]["calls"]
    else:
        assert inlined(clones, "sq", "use_static")
        assert "sq" not in funcs and "sq" not in funcs["use_static"]["calls"]


@pytest.mark.parametrize("build", BUILDS)
def test_global_function_inlined_only_at_inline_levels(objects, build):
    """gcc's live-patching-1.c intent: a global function is not inlined at
    only-inline-static."""
    funcs, clones = objects[build]
    if allowed(build, "inline", "inline-clone"):
        assert inlined(clones, "glob_add", "use_global")
        assert "glob_add" not in funcs["use_global"]["calls"]
    else:
        assert not inlined(clones, "glob_add", "use_global")
        assert "glob_add" in funcs["use_global"]["calls"]


@pytest.mark.parametrize("build", BUILDS)
def test_always_inline_is_inlined_at_every_level(objects, build):
    funcs, clones = objects[build]
    assert inlined(clones, "forced", "use_forced")
    assert "forced" not in funcs


@pytest.mark.parametrize("build", BUILDS)
def test_ipa_cp_clones_only_at_inline_clone(objects, build):
    funcs, _ = objects[build]
    if allowed(build, "inline-clone"):
        assert "scale.constprop.0" in funcs and "scale" not in funcs
        assert "scale.constprop.0" in funcs["cp_one"]["calls"]
    else:
        assert not any(".constprop." in f for f in funcs)
        assert "scale" in funcs["cp_one"]["calls"]


@pytest.mark.parametrize("build", BUILDS)
def test_ipa_sra_clones_only_at_inline_clone(objects, build):
    funcs, _ = objects[build]
    isra = [f for f in funcs if ".isra." in f]
    if allowed(build, "inline-clone"):
        assert isra and isra[0].startswith("sum_a.")
    else:
        assert isra == []
        assert "sum_a" in funcs["sra_user"]["calls"]


@pytest.mark.parametrize("build", BUILDS)
def test_partial_inlining_only_at_inline_clone(objects, build):
    funcs, _ = objects[build]
    if allowed(build, "inline-clone"):
        assert "find_slow.part.0" in funcs
        assert "find_slow.part.0" in funcs["part_one"]["calls"]
    else:
        assert not any(".part." in f for f in funcs)
        # whole, or not at all: part_one calls find_slow or has all of it
        assert ("find_slow" in funcs["part_one"]["calls"]) == ("find_slow" in funcs)


@pytest.mark.parametrize("build", BUILDS)
def test_ipa_icf_never_folds_functions(objects, build):
    funcs, _ = objects[build]
    # folded: twin_b's body is a jump to twin_a
    folded = funcs["twin_b"]["calls"] == ["twin_a"]
    assert folded == (build == "O2")
    body = len(funcs["twin_b"]["insns"])
    assert body < 5 if folded else body > 20


@pytest.mark.parametrize("build", BUILDS)
def test_ipa_ra_never_relies_on_a_callees_registers(objects, build):
    """With ipa-ra, ra_caller keeps x in a call-clobbered register across
    the call to leaf, because it knows leaf's body; without, it must save
    a callee-saved register."""
    funcs, _ = objects[build]
    saves = any(insn.startswith("push") for insn in funcs["ra_caller"]["insns"])
    assert saves == (build != "O2")


@pytest.mark.parametrize("build", BUILDS)
def test_pure_const_discovery_never_merges_calls(objects, build):
    funcs, _ = objects[build]
    calls = funcs["pc_caller"]["calls"].count("pure_sum")
    assert calls == (1 if build == "O2" else 2)


@pytest.mark.parametrize("build", BUILDS)
def test_cold_splitting_stays_at_every_level(objects, build):
    """Hot/cold splitting is not interprocedural: checked_copy.cold is part
    of checked_copy and is replaced with it, so no level turns it off."""
    funcs, _ = objects[build]
    assert "checked_copy.cold" in funcs


def test_none_inlines_nothing_but_always_inline(objects):
    funcs, clones = objects["none"]
    inlinings = [line for line in clones if line.endswith("inlining to")]
    assert inlinings and all(line.startswith("Callgraph clone;forced;") for line in inlinings)


@pytest.mark.parametrize("option", ["-fwhole-program", "-flto", "-flto=auto"])
def test_whole_program_and_lto_are_refused(suture_cc, tmp_path, option):
    proc = run([suture_cc, "-O2", option, "-fease-live-patching", "-c", str(CORPUS)],
               cwd=tmp_path, check=False)
    assert proc.returncode == 2
    assert proc.stderr == (f"suture-cc: '{option}' is incompatible with "
                           "'-fease-live-patching=inline-clone'\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("level", ["none", "inline"])
def test_levels_hold_at_O3(suture_cc, tmp_path, level):
    """-O3 turns on more cloning (-fipa-cp-clone) and inlining; the levels
    still forbid them."""
    obj = tmp_path / "o3.o"
    run([suture_cc, "-O3", "-c", str(CORPUS), "-o", str(obj), f"-fease-live-patching={level}"])
    funcs = disassemble(obj)
    assert not [f for f in funcs if re.search(r"\.(constprop|isra|part)\.", f)]
    [rec] = json.loads(run([str(BUILD / "suture-units-dump"), str(obj)]).stdout)
    inlined_callees = {line.split(";")[1] for line in rec["ipa_clones"]
                       if line.endswith("inlining to")}
    if level == "none":
        assert inlined_callees == {"forced"}
    else:
        assert {"forced", "sq", "glob_add"} <= inlined_callees
