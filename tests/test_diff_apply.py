"""End to end: a patch cut by `suture diff -o` from two builds of a running
program's unit is applied by `suture apply` to the running process, whose
state (static data) the new code keeps using."""
import subprocess
import time

from conftest import output_across_apply, run
from diffutil import SUTURE_CC
from schemacheck import run_json

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
    info = run_json([suture, "info", "--json", str(patch)])
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


TABLES = r"""#include <stdio.h>
#include <unistd.h>
extern void report(const char *, ...) __attribute__((cold));
void report(const char *fmt, ...) { (void)fmt; }
static int calls;
__attribute__((noinline)) int classify(int c) {
	switch (c % 8) {
	case 0: return printf("zero ");
	case 1: return printf("one %d ", c);
	case 2: return printf("two ");
	case 3: return printf("three ");
	case 4: return printf("four %d ", c * 4);
	case 5: return printf("five ");
	case 7: return printf("seven ");
	default: return printf("other ");
	}
}
__attribute__((noinline)) int run(const unsigned char *code, int n) {
	static void *ops[] = { &&op_inc, &&op_dec, &&op_end };
	int acc = 0, pc = 0;
	goto *ops[code[pc++] % 3];
op_inc: acc++; if (pc < n) goto *ops[code[pc++] % 3]; return acc;
op_dec: acc -= 2; if (pc < n) goto *ops[code[pc++] % 3]; return acc;
op_end: return acc;
}
__attribute__((noinline)) int work(int x, int y) {
	int r = 0;
	for (int i = 0; i < x; i++) {
		r += i * y;
		if (r > 1000000) { report("overflow %d %d\n", x, y); calls += 3; report("again %d\n", calls); r = 0; }
	}
	calls++;
	return r;
}
int main(void) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	static const unsigned char prog[] = { 0, 0, 1, 0, 2 };
	for (int i = 0; i < 300; i++) {
		classify(i);
		printf("run %d work %d calls %d\n", run(prog, 5), work(i, 3), calls);
		usleep(20000);
	}
	return 0;
}
"""
TABLES_FIXED = (TABLES.replace('"four %d "', '"FOUR %d "').replace("acc -= 2;", "acc -= 5;")
                .replace("\tcalls++;\n", "\tcalls += 2;\n"))


def test_jump_tables_computed_gotos_and_strings_apply(tmp_path, suture):
    """A switch with its jump table, a computed goto with its label table
    and a changed string literal, patched in a running process."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "prog.c").write_text(TABLES)
    run([*SUTURE_CC, "-c", str(src / "prog.c"), "-o", str(tmp_path / "prog.o")])
    run([*SUTURE_CC, str(tmp_path / "prog.o"), "-o", str(tmp_path / "prog")])
    (src / "prog.c").write_text(TABLES_FIXED)
    run([*SUTURE_CC, "-c", str(src / "prog.c"), "-o", str(tmp_path / "fixed.o")])
    patch = tmp_path / "tables.o"
    report = run_json([suture, "diff", "--json", str(tmp_path / "prog.o"),
                             str(tmp_path / "fixed.o"), "-o", str(patch)])
    assert sorted(f["name"] for f in report["functions"]) == ["classify", "run", "work"]

    printed = output_across_apply(suture, tmp_path / "prog", patch, tmp_path)
    lines = [line for line in printed.splitlines() if " calls " in line]
    first = next(i for i, line in enumerate(lines) if " run -2 " in line)
    assert first > 0
    old, new = lines[:first], lines[first + 1:]
    assert all(" run 1 " in line for line in old)
    assert new and all(" run -2 " in line for line in new)
    assert not any(line.startswith("FOUR") for line in old)
    assert not any(line.startswith("four") for line in new)
    counts = [int(line.split()[-1]) for line in lines]
    assert all(b - a == 1 for a, b in zip(counts[:first - 1], counts[1:first]))
    assert all(b - a == 2 for a, b in zip(counts[first + 1:-1], counts[first + 2:]))
