"""A real project nobody here wrote: Debian's jansson source package, with
its own CMake build and test suite, built with CC=suture-cc
CFLAGS='-O2 -fease-live-patching'.  Its tests must pass, and what it built
must carry the unit records and the entry padding (the prefix room)."""
import json
import os
import re

from conftest import BUILD, ROOT, run
from roomutil import ROOM, Entries, recorded_entries

import sys
sys.path.insert(0, str(ROOT / "tests"))
import debsrc  # noqa: E402


def test_jansson_builds_and_passes_its_own_tests(suture_cc, tmp_path):
    source = debsrc.fetch_source("jansson", tmp_path.resolve())
    build = tmp_path / "build"
    build.mkdir()
    env = dict(os.environ, CC=suture_cc, CFLAGS="-O2 -fease-live-patching")
    run(["cmake", str(source), "-DJANSSON_BUILD_DOCS=OFF"], cwd=build, env=env)
    run(["make", "-j2"], cwd=build, env=env)
    tests = run(["make", "test"], cwd=build, env=env).stdout
    assert re.search(r"100% tests passed, 0 tests failed out of \d{3}", tests)

    library_objects = sorted((build / "CMakeFiles" / "jansson.dir").rglob("*.o"))
    assert len(library_objects) >= 8
    for obj in library_objects:
        [rec] = json.loads(run([str(BUILD / "suture-units-dump"), str(obj)]).stdout)
        assert rec["level"] == "inline-clone"
        assert obj.name == os.path.basename(rec["output"])
        assert "-fease-live-patching" in rec["args"]
        # every function has its room, its record, and a first instruction
        # of 2 bytes or more (GCC starts many with a 1-byte push)
        entries = Entries(obj)
        assert entries.funcs
        for name in entries.funcs:
            assert entries.room(name) == "cc " * 15 + "cc", (obj, name)
            assert len(entries.first_after_endbr(name)[0].split()) >= 2, (obj, name)
        assert recorded_entries(obj) == {(sec, addr - ROOM)
                                         for sec, addr in entries.funcs.values()}

    # a test program carries the records of its own unit and of the
    # library's units linked into it
    recs = json.loads(run([str(BUILD / "suture-units-dump"),
                           str(build / "bin" / "test_simple")]).stdout)
    sources = [os.path.basename(r["source"]) for r in recs]
    assert "test_simple.c" in sources and "value.c" in sources
