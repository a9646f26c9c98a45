#!/usr/bin/python3
"""Makes the fuzzers' starting corpora in OUT/{patch,elf,units,state} with
the suture of BUILD: real objects, an executable, patches and unit records
of tests/runtime-progs/ticker.c, and a state record of two patches laid
out as src/runtime/state.h says.  Nothing of it is kept in git.

    make_seeds.py BUILD OUT"""
import pathlib
import struct
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
TICKER = HERE.parent / "runtime-progs" / "ticker.c"


def run(*cmd):
    subprocess.run([str(c) for c in cmd], check=True, stdout=subprocess.DEVNULL)


def state_record():
    header = b"SUTUREST" + struct.pack("<IIQQ4Q", 1, 2, 4096, 3, 0, 0, 0, 0)
    patch = (b"fix".ljust(128, b"\0") + b"/usr/bin/prog".ljust(256, b"\0") + bytes(64)
             + struct.pack("<IIIIQQQQQQQQQQ", 20, 3, 2, 1, 1, 0x7f0000000000, 8192,
                           0x7f0000001000, 0x7f0000000000, 1700000000, 0, 0, 0, 0))
    func = (b"answer".ljust(64, b"\0") + struct.pack("<QQQ", 0x555555555000, 64, 0x555555555000)
            + bytes(8) + struct.pack("<QQQQII", 0x7f0000000100, 32, 0x7f0000000100,
                                     0x7f0000000040, 0, 0))
    return header + patch + func + patch + func


def main(build, out):
    suture, suture_cc = build / "suture", build / "suture-cc"
    for name in ("patch", "elf", "units", "state"):
        (out / name).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        objs = {}
        for variant in ("", "ANSWER", "STATE", "LIBC"):
            obj = tmp / f"ticker{variant}.o"
            run(suture_cc, "-O2", "-g", "-fease-live-patching",
                *([f"-DPATCH_{variant}"] if variant else []), "-c", TICKER, "-o", obj)
            objs[variant] = obj
        run("gcc", "-pthread", objs[""], "-o", tmp / "ticker")
        for variant in ("ANSWER", "STATE", "LIBC"):
            run(suture, "diff", objs[""], objs[variant], "-o", out / "patch" / f"{variant}.o")
            (out / "patch" / f"{variant}.o").write_bytes((out / "patch" / f"{variant}.o").read_bytes()[:-128])
        for path in (objs[""], tmp / "ticker"):
            (out / "elf" / path.name).write_bytes(path.read_bytes())
        run("objcopy", f"--dump-section=.suture.units={out / 'units' / 'ticker'}", objs[""],
            tmp / "discard.o")
    (out / "state" / "two-patches").write_bytes(state_record())


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]))
