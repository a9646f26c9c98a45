"""A patch that starts using a variable of libc the program never used
(stderr, environ, optarg, optind): GCC's PIE code reaches it PC-relatively,
expecting a copy relocation the program does not have, and libc lies far
beyond the ±2 GB a rel32 reaches.  Loads and address-takings are rerouted
through the patch's memory and work; a store is refused, naming the
variable and the way out, with the process untouched."""
import pytest

from conftest import run
from test_runtime import apply, build, is_original, snapshot, start  # noqa: F401

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
    before = snapshot(t.pid, externdata["prog"])
    r = apply(suture, t.pid, externdata["STORE"], check=False)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "'optind'" in lines[0] and "-mno-direct-extern-access" in lines[0]
    assert snapshot(t.pid, externdata["prog"]) == before, "the process was changed"
    assert is_original(t.next_values())
    # and the next patch still goes in
    apply(suture, t.pid, externdata["ENVIRON"])
    assert is_patched(t.next_values())
