"""suture diff on static archives, member by member, and on objects made
with `ld -r`: what changed is found in the member it is in, members paired
by name (by position when two share a name), the patch applied to a
program linked with the archive."""
import json

from conftest import output_across_apply, run
from diffutil import SUTURE_CC

# Two units both called util.c (in two directories), so the archive holds
# two members named util.o.  Their static helpers have names of their own:
# two statics of one name in two units of one file name are told apart by
# neither name nor file in the program (the runtime's byte check refuses
# the patch then, "for another build").
UTIL_X = r"""
static __attribute__((noinline)) int helper(int x) { return x + 1; }
__attribute__((noinline)) int util_x(int x) { return helper(x) * 2; }
"""
UTIL_Y = r"""
static __attribute__((noinline)) int triple(int x) { return x * 3; }
__attribute__((noinline)) int util_y(int x) { return triple(x) - 1; }
"""
API = r"""
int util_x(int), util_y(int);
__attribute__((noinline)) int api(int x) { return util_x(x) + util_y(x); }
"""
MAIN = r"""
#include <stdio.h>
#include <unistd.h>
int api(int);
int main(void) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < 600; i++) { printf("%d %d\n", i, api(i)); usleep(20000); }
	return 0;
}
"""


def build_archive(root, util_x=UTIL_X, util_y=UTIL_Y, api=API):
    """Compiles the three units under ROOT and archives them in the order
    api.o, util.o (x), util.o (y); returns the archive."""
    for rel, text in (("api.c", api), ("x/util.c", util_x), ("y/util.c", util_y)):
        src = root / "src" / rel
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text(text)
    members = []
    for rel in ("api.c", "x/util.c", "y/util.c"):
        # one directory per member, so two members can be called util.o
        out = root / "obj" / rel.replace(".c", ".o")
        out.parent.mkdir(parents=True, exist_ok=True)
        run([*SUTURE_CC, "-c", str(root / "src" / rel), "-o", str(out)], cwd=root / "src")
        members.append(out)
    archive = root / "libdemo.a"
    for member in members:   # `ar q` appends, so util.o can be there twice
        run(["ar", "q", str(archive), member.name], cwd=member.parent)
    assert run(["ar", "t", str(archive)]).stdout.split() == ["api.o", "util.o", "util.o"]
    return archive


def diff_json(suture, orig, patched, *extra, check=True):
    proc = run([suture, "diff", "--json", str(orig), str(patched), *extra], check=check)
    return proc, json.loads(proc.stdout)


def test_one_member_changed_others_unchanged(tmp_path, suture):
    orig = build_archive(tmp_path / "orig")
    patched = build_archive(tmp_path / "patched", util_y=UTIL_Y.replace("x * 3", "x * 4"))
    out = tmp_path / "fix.o"
    _, report = diff_json(suture, orig, patched, "-o", str(out))
    # the second util.o (y/util.c) pairs with the second: position, not name
    assert report["members"] == [{"name": "api.o", "changed": False},
                                 {"name": "util.o", "changed": False},
                                 {"name": "util.o[2]", "changed": True}]
    assert [(f["name"], f["member"], f["file"]) for f in report["functions"]] == \
        [("triple", "util.o[2]", "util.c")]
    info = json.loads(run([suture, "info", "--json", str(out)]).stdout)
    assert [f["name"] for f in info["functions"]] == ["triple"]
    text = run([suture, "diff", str(orig), str(patched)]).stdout
    assert "util.o[2]: changed  function  triple" in text
    assert "members: 3, 1 with changes, 2 unchanged" in text


def test_unchanged_archive_is_no_functional_change(tmp_path, suture):
    orig = build_archive(tmp_path / "orig")
    patched = build_archive(tmp_path / "patched", api="/* a comment */\n" + API)
    proc, report = diff_json(suture, orig, patched, "-o", str(tmp_path / "p.o"), check=False)
    assert proc.returncode == 3, proc.stderr
    assert report["functions"] == [] and not report["functional_change"]
    assert not (tmp_path / "p.o").exists()


def test_two_members_changed_one_patch_applied_live(tmp_path, suture):
    """Both util.o members change: one patch holds both helpers (told
    apart by their members' files), applied to a program linked with the
    archive; both changes show at once."""
    orig = build_archive(tmp_path / "orig")
    patched = build_archive(tmp_path / "patched", util_x=UTIL_X.replace("x + 1", "x + 1000"),
                            util_y=UTIL_Y.replace("x * 3", "x * 5"))
    main = tmp_path / "main.c"
    main.write_text(MAIN)
    prog = tmp_path / "prog"
    run([*SUTURE_CC, str(main), str(orig), "-o", str(prog)])
    out = tmp_path / "both.o"
    _, report = diff_json(suture, orig, patched, "-o", str(out))
    assert sorted(f["member"] for f in report["functions"]) == ["util.o", "util.o[2]"]
    info = json.loads(run([suture, "info", "--json", str(out)]).stdout)
    assert sorted(f["name"] for f in info["functions"]) == ["helper", "triple"]

    printed = output_across_apply(suture, prog, out, tmp_path)
    values = [tuple(map(int, line.split())) for line in printed.splitlines()
              if len(line.split()) == 2]
    # before: 2(i+1) + 3i-1 = 5i+1; after: 2(i+1000) + 5i-1 = 7i+1999
    assert any(v == 5 * i + 1 for i, v in values)
    assert any(v == 7 * i + 1999 for i, v in values)
    assert all(v in (5 * i + 1, 7 * i + 1999) for i, v in values)
    switched = [v == 7 * i + 1999 for i, v in values]
    assert switched == sorted(switched), "went back to the old code"


def test_new_member_and_mixed_inputs_refused(tmp_path, suture):
    orig = build_archive(tmp_path / "orig")
    patched = build_archive(tmp_path / "patched")
    extra = tmp_path / "extra.c"
    extra.write_text("int extra(int x) { return x; }\n")
    run([*SUTURE_CC, "-c", str(extra), "-o", str(tmp_path / "extra.o")])
    run(["ar", "q", str(patched), "extra.o"], cwd=tmp_path)
    proc = run([suture, "diff", str(orig), str(patched), "-o", str(tmp_path / "p.o")], check=False)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"suture diff: {patched}: member extra.o is not in {orig}; a new unit cannot be diffed "
        "member by member: put its code into an existing unit"]
    assert not (tmp_path / "p.o").exists()
    proc = run([suture, "diff", str(orig), str(tmp_path / "extra.o")], check=False)
    assert proc.returncode == 1
    assert "is a static archive and" in proc.stderr and "give two archives or two objects" in proc.stderr


def test_ld_r_object_both_units_changed_applied_live(tmp_path, suture):
    """`ld -r` glues units into one object: a diff of two such objects
    finds each unit's change and one patch switches them together."""
    objs = {}
    for side, ux, uy in (("orig", UTIL_X, UTIL_Y),
                         ("patched", UTIL_X.replace("x + 1", "x + 1000"),
                          UTIL_Y.replace("x * 3", "x * 5"))):
        root = tmp_path / side
        root.mkdir()
        for name, text in (("api", API), ("ux", ux), ("uy", uy)):
            (root / f"{name}.c").write_text(text)
            run([*SUTURE_CC, "-c", f"{name}.c", "-o", f"{name}.o"], cwd=root)
        run(["ld", "-r", "api.o", "ux.o", "uy.o", "-o", "all.o"], cwd=root)
        objs[side] = root / "all.o"
    (tmp_path / "main.c").write_text(MAIN)
    prog = tmp_path / "prog"
    run([*SUTURE_CC, str(tmp_path / "main.c"), str(objs["orig"]), "-o", str(prog)])
    out = tmp_path / "fix.o"
    _, report = diff_json(suture, objs["orig"], objs["patched"], "-o", str(out))
    assert sorted((f["name"], f["file"]) for f in report["functions"]) == \
        [("helper", "ux.c"), ("triple", "uy.c")]
    printed = output_across_apply(suture, prog, out, tmp_path)
    values = [tuple(map(int, line.split())) for line in printed.splitlines()
              if len(line.split()) == 2]
    assert any(v == 5 * i + 1 for i, v in values)
    assert any(v == 7 * i + 1999 for i, v in values)
