"""A patch that starts using a variable of libc the program never used
(stderr, environ, optarg, optind): GCC's PIE code reaches it PC-relatively,
expecting a copy relocation the program does not have, and libc lies far
beyond the ±2 GB a rel32 reaches.  Loads and address-takings are rerouted
through the patch's memory and work; a store is refused, naming the
variable and the way out, with the process untouched; and refused by
suture build already, where the target program is known."""
import pytest

from buildutil import SUTURE_CC, build_patch, lines_across_apply, make_diff, project, snapshot
from conftest import run
from test_runtime import apply, build, is_original, start  # noqa: F401
from test_runtime import snapshot as process_snapshot

VARIANTS = ["STDERR", "ENVIRON", "ADDRESS", "STORE"]


@pytest.fixture(scope="module")
def externdata(suture, tmp_path_factory):
    return build(suture, tmp_path_factory.mktemp("externdata"), src_name="externdata.c",
                 variants=VARIANTS)


def test_program_has_no_copy_of_libc_variables(externdata):
    relocs = run(["readelf", "-rW", str(externdata["prog"])]).stdout
    for name in ("stderr", "environ", "optarg", "optind"):
        assert name not in relocs


def is_patched(values):
    return all(v % 2 == 0 and v >= 1000 for v in values)


@pytest.mark.parametrize("variant", ["STDERR", "ENVIRON", "ADDRESS"])
def test_load_and_address_of_libc_variable_work(suture, externdata, start, variant):
    t = start(externdata["prog"])
    apply(suture, t.pid, externdata[variant])
    # ENVIRON and ADDRESS add 1 (an odd value) if they read the wrong thing
    assert is_patched(t.next_values())
    if variant == "STDERR":
        t.wait_for(r"^patched \d+$")
    run([suture, "revert", str(t.pid), variant.lower()])
    assert is_original(t.next_values())
    assert t.alive()


def test_store_to_libc_variable_is_refused(suture, externdata, start):
    t = start(externdata["prog"])
    before = process_snapshot(t.pid, externdata["prog"])
    r = apply(suture, t.pid, externdata["STORE"], check=False)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "'optind'" in lines[0] and "-mno-direct-extern-access" in lines[0]
    assert process_snapshot(t.pid, externdata["prog"]) == before, "the process was changed"
    assert is_original(t.next_values())
    # and the next patch still goes in
    apply(suture, t.pid, externdata["ENVIRON"])
    assert is_patched(t.next_values())


@pytest.fixture
def counter(tmp_path):
    """tests/build-projects/counter, built with suture-cc; its program uses
    no variable of libc."""
    tree = project("counter", tmp_path)
    run(["make", "-C", str(tree), f"CC={SUTURE_CC}"])
    return tree


def libc_use_diff(tree, tmp_path, before, after):
    """A diff to util.c that includes <unistd.h> and puts AFTER for BEFORE."""
    return make_diff(tree, {"util.c": [("#include \"common.h\"",
                                        "#include <unistd.h>\n#include \"common.h\""),
                                       (before, after)]}, tmp_path)


def test_build_refuses_a_store_to_a_libc_variable_when_the_patch_is_made(counter, tmp_path,
                                                                          suture):
    """The target is known to suture build: a patch that would be refused
    by every apply is refused when it is made, naming the variable."""
    before = snapshot(counter)
    diff = libc_use_diff(counter, tmp_path, "int scaled = adjust(x) * 2;",
                         "int scaled = adjust(x) * 2;\n\toptind = scaled;")
    patch = tmp_path / "store.patch"
    proc = build_patch(suture, counter, diff, patch, "--target", str(counter / "prog"),
                       check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "util.c: optind: optind is a variable of another object, which prog has no copy of" \
        in proc.stderr, proc.stderr
    assert "-mno-direct-extern-access" in proc.stderr and "not written" in proc.stderr
    assert not patch.exists()
    assert snapshot(counter) == before


def test_build_accepts_a_load_of_a_libc_variable_and_it_works(counter, tmp_path, suture):
    diff = libc_use_diff(counter, tmp_path, "return scaled < limits[0]",
                         "char **env = __environ;\n\tscaled += env && env[0];\n"
                         "\treturn scaled < limits[0]")
    patch = tmp_path / "load.patch"
    build_patch(suture, counter, diff, patch, "--target", str(counter / "prog"))
    lines = lines_across_apply(suture, counter / "prog", patch, tmp_path)
    # value = (i + 2) * 2 before, one more after: environ was read
    first, last = lines[0].split(), lines[-1].split()
    assert int(first[1]) == 2 * 2
    assert int(last[1]) == (len(lines) - 1 + 2) * 2 + 1, lines[-3:]


TLS_PROJECT = {
    "Makefile": "CFLAGS = -O2 -g -fease-live-patching\n"
                "prog: main.o libdepth.so\n"
                "\t$(CC) -o $@ main.o -L. -ldepth -Wl,-rpath,'$$ORIGIN'\n"
                "libdepth.so: depth.c\n"
                "\t$(CC) $(CFLAGS) -fPIC -shared -o $@ depth.c\n",
    "depth.c": "__thread int depth = 5;\nint depth_get(void) { return depth; }\n",
    "main.c": "#include <stdio.h>\n#include <unistd.h>\n"
              "__thread int own = 7;\n"
              "int value(int i)\n{\n\treturn i * 2;\n}\n"
              "int main(void)\n{\n\tfor (int i = 0; i < 3000; i++) {\n"
              "\t\tprintf(\"value %d\\n\", value(i) + own);\n\t\tusleep(20000);\n\t}\n}\n",
}


@pytest.mark.parametrize("variable, value, refused", [("depth", 5, True), ("own", 7, False)],
                         ids=["of-a-library", "of-the-program"])
def test_build_refuses_a_thread_local_variable_of_a_library(tmp_path, suture, variable, value,
                                                            refused):
    """A thread-local variable of another object has its offset in glibc's
    private link_map: suture build refuses a patch that reaches one when
    it is made, naming it; the program's own is fine."""
    tree = tmp_path / "tls"
    tree.mkdir()
    for name, text in TLS_PROJECT.items():
        (tree / name).write_text(text)
    run(["make", "-C", str(tree), f"CC={SUTURE_CC}"])
    diff = make_diff(tree, {"main.c": [("return i * 2;",
                                        f"extern __thread int {variable};\n"
                                        f"\treturn i * 2 + ({variable} != {value});")]},
                     tmp_path)
    patch = tmp_path / "tls.patch"
    proc = build_patch(suture, tree, diff, patch, "--target", str(tree / "prog"), check=False)
    if not refused:
        assert proc.returncode == 0, proc.stderr
        return
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "main.c: depth: depth is a thread-local variable of another object" in proc.stderr, \
        proc.stderr
    assert "__errno_location" in proc.stderr and not patch.exists()
