"""End to end: a patch cut by `suture diff -o` from two builds of a running
program's unit is applied by `suture apply` to the running process, whose
state (static data) the new code keeps using."""
import json
import subprocess
import time

from conftest import run
from diffutil import SUTURE_CC

PROGRAM = r"""
#include <stdio.h>
#include <unistd.h>
static int counter;
static __attribute__((noinline)) int value(int x) { counter++; return x * 2; }
int main(void) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < 600; i++) {
		printf("value %d counter %d\n", value(i), counter);
		usleep(20000);
	}
	return 0;
}
"""
FIXED = PROGRAM.replace(
    "static __attribute__((noinline)) int value(int x) { counter++; return x * 2; }",
    "static __attribute__((noinline)) int scaled(int x) { return x * 1000; }\n"
    "static __attribute__((noinline)) int value(int x) { counter++; "
    "printf(\"patched \"); return scaled(x); }")


def test_patch_from_diff_applies_to_running_process(tmp_path, suture):
    cc = SUTURE_CC
    for name, text in (("prog", PROGRAM), ("fixed", FIXED)):
        (tmp_path / f"{name}.c").write_text(text)
        run([*cc, "-c", str(tmp_path / f"{name}.c"), "-o", str(tmp_path / f"{name}.o")])
    run([*cc, str(tmp_path / "prog.o"), "-o", str(tmp_path / "prog")])
    patch = tmp_path / "fix-value.o"
    report = run([suture, "diff", str(tmp_path / "prog.o"), str(tmp_path / "fixed.o"),
                  "-o", str(patch)]).stdout
    assert "changed  function  value" in report and "new      function  scaled" in report
    info = json.loads(run([suture, "info", "--json", str(patch)]).stdout)
    assert [f["name"] for f in info["functions"]] == ["value"]
    assert info["new_functions"] == ["scaled"]
    assert {"name": "counter", "file": "prog.c", "object": 0} in info["symbols"]

    out = tmp_path / "out.txt"
    with out.open("w") as sink:
        proc = subprocess.Popen([str(tmp_path / "prog")], stdout=sink)
    try:
        time.sleep(0.5)
        run([suture, "apply", "--consistency", "stop", str(proc.pid), str(patch)])
        time.sleep(0.5)
        status = run([suture, "status", str(proc.pid)]).stdout
        assert "fix-value: applied" in status
    finally:
        proc.kill()
        proc.wait()
    lines = out.read_text().splitlines()
    patched = [line for line in lines if line.startswith("patched ")]
    assert patched, lines[-5:]
    first = lines.index(patched[0])
    # before: "value 2i counter i"; after: "patched value 1000i counter i"
    # (printf reads counter before it calls value()), with i going on from
    # where the running process was: its static counter is the patch's too
    _, before_value, _, before_counter = lines[first - 1].split()
    assert int(before_value) == 2 * int(before_counter)
    _, _, after_value, _, after_counter = patched[0].split()
    assert int(after_counter) == int(before_counter) + 1
    assert int(after_value) == 1000 * int(after_counter)
    assert all(line.startswith("patched ") for line in lines[first:])
