#!/usr/bin/python3
"""A mutation campaign against a live target: mutated copies of a real
patch through `suture apply`, each checked against the running program.

    /usr/bin/python3 bench/mutate_apply.py [--count N] [--mode damaged|forged] [--seed S]

damaged: 1-4 random bytes of the patch file changed, or the file cut short
         (what a disk, a copy or a transfer does): the checksum must refuse
         every one.
forged:  the same inside the patch's records, headers and tables (the
         .suture.* sections, the section headers, .symtab, .strtab), then
         the checksum fixed, as someone who can write the file could: the
         readers behind the checksum must refuse what is inconsistent.
         (Changing the new code itself makes another, valid patch: no
         reader can tell, which is what signatures are for.)

After each apply: a refused patch must leave the target's maps and code
bytes as they were; an accepted one must give the patch's answers and
revert cleanly.  Prints the counts; any accepted patch with wrong answers,
any dead target or crashed suture is a failure (exit 1).
"""
import argparse
import hashlib
import os
import pathlib
import random
import re
import struct
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from benchutil import CFLAGS, sh  # noqa: E402
TRAILER = 128
MAGIC = b"~suture sealed~\n"



def build(suture, work):
    """The ticker test program and its ANSWER patch."""
    src = ROOT / "tests" / "runtime-progs" / "ticker.c"
    for variant in ("orig", "ANSWER"):
        (work / variant).mkdir(exist_ok=True)
        (work / variant / "ticker.c").write_text(src.read_text())
        sh(["gcc", *CFLAGS, *([f"-DPATCH_{variant}"] if variant != "orig" else []), "-c",
            work / variant / "ticker.c", "-o", work / variant / "unit.o"])
    sh(["gcc", "-pthread", work / "orig" / "unit.o", "-o", work / "ticker"])
    sh([suture, "diff", work / "orig" / "unit.o", work / "ANSWER" / "unit.o", "-o", work / "answer.o"])
    return work / "ticker", work / "answer.o"


def seal(image):
    checksum = hashlib.blake2b(image, digest_size=32).digest()
    return image + checksum + bytes(72) + struct.pack("<II", 1, 0) + MAGIC


def metadata_ranges(image):
    """(offset, size) of what a forger changes: the .suture.* sections, the
    section header table, .symtab, .strtab."""
    e_shoff, = struct.unpack_from("<Q", image, 40)
    e_shentsize, e_shnum, e_shstrndx = struct.unpack_from("<HHH", image, 58)
    headers = [struct.unpack_from("<IIQQQQIIQQ", image, e_shoff + i * e_shentsize)
               for i in range(e_shnum)]
    names_at = headers[e_shstrndx][4]
    ranges = [(e_shoff, e_shnum * e_shentsize)]
    for name, _, _, _, offset, size, *_ in headers:
        end = image.index(b"\0", names_at + name)
        sname = image[names_at + name:end].decode()
        if sname.startswith(".suture.") or sname in (".symtab", ".strtab"):
            ranges.append((offset, size))
    return [r for r in ranges if r[1] > 0]


def mutate(data, mode, rng):
    if mode == "damaged":
        if rng.random() < 0.1:
            return data[:rng.randrange(len(data))]
        out = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            out[rng.randrange(len(out))] ^= rng.randrange(1, 256)   # never the same byte
        return bytes(out)
    image = bytearray(data[:-TRAILER])
    ranges = metadata_ranges(bytes(image))
    for _ in range(rng.randint(1, 4)):
        offset, size = rng.choice(ranges)
        at = offset + rng.randrange(size)
        image[at] = rng.choice([rng.randrange(256), image[at] ^ (1 << rng.randrange(8)),
                                0, 0xff])
    return seal(bytes(image))


class Target:
    """The ticker running, its output in a file of WORK (ARGS: its options)."""
    def __init__(self, prog, work, args=()):
        self.out = work / f"out-{time.monotonic_ns()}.txt"
        self.fh = open(self.out, "w")
        self.proc = subprocess.Popen([str(prog), *args], stdout=self.fh, stderr=subprocess.STDOUT)
        self.prog = prog
        deadline = time.time() + 10
        while "ready" not in self.out.read_text():
            if time.time() > deadline or self.proc.poll() is not None:
                sys.exit("the target did not start")
            time.sleep(0.01)

    def values(self, n=3, timeout=5):
        start = len(re.findall(r"^-?\d+$", self.out.read_text(), re.M))
        deadline = time.time() + timeout
        while time.time() < deadline:
            vals = [int(x) for x in re.findall(r"^(-?\d+)$", self.out.read_text(), re.M)]
            if len(vals) >= start + n + 1:
                return vals[start + 1:start + 1 + n]
            time.sleep(0.01)
        return None

    def snapshot(self):
        maps = pathlib.Path(f"/proc/{self.proc.pid}/maps").read_text()
        code = b""
        with open(f"/proc/{self.proc.pid}/mem", "rb") as mem:
            for line in maps.splitlines():
                parts = line.split()
                if len(parts) >= 6 and parts[1].startswith("r-x") and parts[5] == str(self.prog):
                    lo, hi = (int(x, 16) for x in parts[0].split("-"))
                    mem.seek(lo)
                    code += mem.read(hi - lo)
        return maps, code

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait()
        self.fh.close()


def patched(values):
    return values is not None and all(v % 2 == 0 and v >= 1000 for v in values)


def original(values):
    return values is not None and all(v % 2 == 1 for v in values)


def campaign(suture, count, mode, seed, work):
    """Runs the campaign; returns the counts (a dict)."""
    prog, patch = build(suture, work)
    data = patch.read_bytes()
    rng = random.Random(seed)
    counts = dict(tried=0, refused=0, accepted_right=0, accepted_wrong=0, refused_but_changed=0,
                  suture_crashed=0, target_died=0, revert_failed=0)
    target = Target(prog, work)
    mutant = work / "mutant.o"
    try:
        for i in range(count):
            mutant.write_bytes(mutate(data, mode, rng))
            os.chmod(mutant, 0o644)
            before = target.snapshot()
            r = subprocess.run([suture, "apply", "--consistency", "stop", "--timeout", "5",
                                str(target.proc.pid), str(mutant)], capture_output=True, text=True, errors="replace")
            counts["tried"] += 1
            if r.returncode < 0 or r.returncode > 4:
                counts["suture_crashed"] += 1
                print(f"mutant {i}: suture exited {r.returncode}: {r.stderr[-300:]}", file=sys.stderr)
                (work / f"crash-{i}.o").write_bytes(mutant.read_bytes())
            elif r.returncode == 0:
                ok = patched(target.values())
                counts["accepted_right" if ok else "accepted_wrong"] += 1
                name = re.search(r"applied '(.*)' to process", r.stdout).group(1)
                rv = subprocess.run([suture, "revert", str(target.proc.pid), name],
                                    capture_output=True, text=True, errors="replace")
                if rv.returncode != 0 or not original(target.values()):
                    counts["revert_failed"] += 1
                    print(f"mutant {i}: revert {name!r} exited {rv.returncode}: {rv.stderr.strip()}",
                          file=sys.stderr)
                    (work / f"norevert-{i}.o").write_bytes(mutant.read_bytes())
                    st = subprocess.run([suture, "status", str(target.proc.pid)],
                                        capture_output=True, text=True, errors="replace")
                    print(st.stdout + st.stderr, file=sys.stderr)
            else:
                counts["refused"] += 1
                if target.alive() and target.snapshot() != before:
                    counts["refused_but_changed"] += 1
            if not target.alive() or target.values() is None:
                counts["target_died"] += 1
                print(f"mutant {i}: the target died", file=sys.stderr)
                (work / f"killer-{i}.o").write_bytes(mutant.read_bytes())
                target.kill()
                target = Target(prog, work)
    finally:
        target.kill()
    return counts


def failed(counts):
    return any(counts[k] for k in ("accepted_wrong", "refused_but_changed", "suture_crashed",
                                   "target_died", "revert_failed"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--mode", choices=["damaged", "forged"], default="damaged")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--suture", default=str(ROOT / "build" / "suture"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.time()
        counts = campaign(args.suture, args.count, args.mode, args.seed, pathlib.Path(tmp))
        print(f"{args.mode}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
              + f" ({time.time() - start:.0f} s)")
    sys.exit(1 if failed(counts) else 0)


if __name__ == "__main__":
    main()
