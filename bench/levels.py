#!/usr/bin/python3
"""What each -fease-live-patching level costs at run time and in code size.

Builds CPU-bound programs from their Debian source packages (lua 5.4,
bzip2, the sqlite3 shell) at plain -O2 and with each kind of entry padding
and each level,
runs a fixed workload under `valgrind --tool=cachegrind` and compares
instruction counts (hardware counters are not available here and wall time
is too noisy for differences under ~3%).  Counts vary a little between
runs (lua seeds its string hashes from the clock and addresses), so each
build runs --runs times and the median counts.  Prints a Markdown table.

    /usr/bin/python3 bench/levels.py [--work DIR] [--runs N] [--programs lua,bzip2,sqlite]
                                     [--builds a,b] [--rebuild]

The prefix room against GCC's own level without any padding (the aim of
docs/entry-padding.md: within 0.2%):

    /usr/bin/python3 bench/levels.py --programs lua,bzip2,sqlite \
        --builds gcc-inline-clone,inline-clone,inline-clone-nop,room,nop5

Builds are kept in --work (default /tmp/suture-bench) and reused unless
--rebuild is given.
"""
import statistics
import argparse
import concurrent.futures
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import debsrc  # noqa: E402

# SUTURE_BUILD: another build directory (as for the tests)
SUTURE_CC = str(pathlib.Path(os.environ.get("SUTURE_BUILD", ROOT / "build")) / "suture-cc")
SECTIONS = ["-ffunction-sections", "-fdata-sections"]

# name -> (compiler, extra flags, description).  The baseline has the same
# sections every level adds, so each row shows the level's own cost.
BUILDS = {
    "O2": ("gcc", SECTIONS, "`-O2 -ffunction-sections -fdata-sections` (baseline)"),
    "nop1x5": ("gcc", SECTIONS + ["-fpatchable-function-entry=5"],
               "`-fpatchable-function-entry=5` as GCC emits it: five 1-byte NOPs"),
    "nop5": ("stage", SECTIONS + ["-fpatchable-function-entry=5"],
             "entry padding alone, as suture-cc's legacy form writes it: one 5-byte NOP"),
    "room": ("stage", SECTIONS + ["-fpatchable-function-entry=16,16"],
             "entry padding alone, as suture-cc writes it: the 16-byte prefix room"),
    "gcc-inline-clone": ("gcc", SECTIONS + ["-flive-patching=inline-clone"],
                         "GCC's `-flive-patching=inline-clone`, no padding"),
    "inline-clone": ("suture-cc", ["-fease-live-patching=inline-clone"],
                     "`inline-clone` (prefix room, the default)"),
    "inline-clone-nop": ("suture-cc", ["-fease-live-patching=inline-clone",
                                       "-fease-live-patching-entry=nop"],
                         "`inline-clone` with the legacy 5-byte NOP"),
    "inline": ("suture-cc", ["-fease-live-patching=inline"], "`inline`"),
    "only-inline-static": ("suture-cc", ["-fease-live-patching=only-inline-static"],
                           "`only-inline-static`"),
    "none": ("suture-cc", ["-fease-live-patching=none"], "`none`"),
    # attribution: one optimization a level turns off, alone, on the baseline
    "O2-no-ipa-ra": ("gcc", SECTIONS + ["-fno-ipa-ra"], "baseline `-fno-ipa-ra`"),
    "O2-no-inline": ("gcc", SECTIONS + ["-fno-inline"], "baseline `-fno-inline`"),
}
DEFAULT_BUILDS = ["O2", "nop1x5", "nop5", "room", "gcc-inline-clone", "inline-clone",
                  "inline-clone-nop", "inline", "only-inline-static", "none", "O2-no-ipa-ra",
                  "O2-no-inline"]
# The entry form the cc1 stage writes for a "stage" build (entry_form.h).
STAGE_ENTRY = {"nop5": "nop", "room": "prefix"}


def compiler_command(build):
    """The command line prefix that compiles for BUILD."""
    kind, flags, _ = BUILDS[build]
    if kind == "stage":
        # gcc itself, with suture-cc's cc1 stage rewriting the padding (the
        # code a level uses), but none of a level's IPA options
        return ["gcc", "-wrapper", f"{SUTURE_CC},--suture-stage", "-O2", *flags]
    return [SUTURE_CC if kind == "suture-cc" else "gcc", "-O2", *flags]


def stage_env(build):
    return dict(os.environ, SUTURE_CC_LEVEL="padding-only", SUTURE_CC_MODE="compile",
                SUTURE_CC_ENTRY=STAGE_ENTRY.get(build, "prefix"))


def compile_all(build, sources, outdir, defines):
    outdir.mkdir(parents=True, exist_ok=True)
    cmd = compiler_command(build)

    def one(src):
        obj = outdir / (src.stem + ".o")
        subprocess.run([*cmd, *defines, "-c", str(src), "-o", str(obj)], check=True,
                       env=stage_env(build))
        return obj
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        return list(pool.map(one, sources))


def build_lua(src, outdir, build, rebuild=True):
    sources = [p for p in sorted((src / "src").glob("*.c")) if p.name != "luac.c"]
    # debian/rules writes this header before building
    header = src / "src" / "lua5.4-deb-multiarch.h"
    if not header.exists():
        header.write_text('#define DEB_HOST_MULTIARCH "x86_64-linux-gnu"\n')
    exe = outdir / "lua"
    if rebuild or not exe.exists():
        objs = compile_all(build, sources, outdir, ["-DLUA_USE_LINUX"])
        subprocess.run(["gcc", "-o", str(exe), *map(str, objs), "-lm", "-ldl"], check=True)
    return [str(exe), str(ROOT / "bench" / "workload.lua")], exe


def build_bzip2(src, outdir, build, rebuild=True):
    names = ["blocksort", "huffman", "crctable", "randtable", "compress", "decompress",
             "bzlib", "bzip2"]
    exe = outdir / "bzip2"
    if rebuild or not exe.exists():
        objs = compile_all(build, [src / f"{n}.c" for n in names], outdir,
                           ["-D_FILE_OFFSET_BITS=64"])
        subprocess.run(["gcc", "-o", str(exe), *map(str, objs)], check=True)
    data = outdir.parent / "input.dat"
    if not data.exists():
        # 3 MB of text-like data: the package's own sources and manual, repeated
        corpus = b"".join(p.read_bytes() for p in sorted(src.glob("*.[ch]")))
        corpus += (src / "manual.xml").read_bytes()
        data.write_bytes((corpus * (3_000_000 // len(corpus) + 1))[:3_000_000])
    script = f'"{exe}" -9 -c "{data}" | "{exe}" -dc > /dev/null'
    return ["sh", "-c", script], exe


def build_sqlite(src, outdir, build, rebuild=True):
    gen = outdir.parent / "gen"
    if not (gen / "shell.c").exists():
        # the amalgamation and the shell's source are generated (tclsh)
        gen.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(src / "configure")], cwd=gen, check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["make", "-j2", "sqlite3.c", "shell.c"], cwd=gen, check=True,
                       stdout=subprocess.DEVNULL)
    exe = outdir / "sqlite3"
    if rebuild or not exe.exists():
        objs = compile_all(build, [gen / "sqlite3.c", gen / "shell.c"], outdir,
                           [f"-I{gen}", "-DSQLITE_THREADSAFE=0", "-DSQLITE_OMIT_LOAD_EXTENSION"])
        subprocess.run(["gcc", "-o", str(exe), *map(str, objs), "-lm"], check=True)
    script = f'"{exe}" :memory: < "{ROOT / "bench" / "workload.sql"}" > /dev/null'
    return ["sh", "-c", script], exe


PROGRAMS = {"lua": ("lua5.4", build_lua), "bzip2": ("bzip2", build_bzip2),
            "sqlite": ("sqlite3", build_sqlite)}


def instructions(cmd):
    """Instructions executed by CMD (all its processes), from cachegrind."""
    proc = subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no",
                           "--trace-children=yes", "--cachegrind-out-file=/dev/null", *cmd],
                          capture_output=True, text=True, check=True)
    counts = re.findall(r"I\s+refs:\s+([\d,]+)", proc.stderr)
    return sum(int(c.replace(",", "")) for c in counts)


def text_size(exe):
    """Bytes of machine code: the .text section of the linked program."""
    out = subprocess.run(["size", "-A", str(exe)], capture_output=True, text=True,
                         check=True).stdout
    return sum(int(line.split()[1]) for line in out.splitlines()
               if line.startswith(".text "))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", default="/tmp/suture-bench")
    ap.add_argument("--programs", default="lua,bzip2")
    ap.add_argument("--builds", default=",".join(DEFAULT_BUILDS))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rebuild", action="store_true")
    opts = ap.parse_args()
    work = pathlib.Path(opts.work).resolve()
    programs = opts.programs.split(",")
    builds = opts.builds.split(",")

    results = {}
    for prog in programs:
        package, builder = PROGRAMS[prog]
        src = debsrc.fetch_source(package, work / "src")
        for build in builds:
            cmd, exe = builder(src, work / prog / build, build, opts.rebuild)
            counts = [instructions(cmd) for _ in range(opts.runs)]
            results[prog, build] = (statistics.median(counts), text_size(exe))
            print(f"{prog} {build}: {results[prog, build][0]:,.0f} instructions "
                  f"(runs: {', '.join(f'{c:,}' for c in counts)}), "
                  f".text {results[prog, build][1]:,} bytes", file=sys.stderr)

    head = "| build | " + " | ".join(f"{p} instructions | {p} .text" for p in programs) + " |"
    print(head)
    print("|---|" + "---|---|" * len(programs))
    for build in builds:
        cells = []
        for prog in programs:
            ir, size = results[prog, build]
            base_ir, base_size = results[prog, builds[0]]
            cells += [f"{ir / base_ir:.4f}", f"{size / base_size:.3f}"]
        print(f"| {BUILDS[build][2]} | " + " | ".join(cells) + " |")
    print(f"\nmedian of {opts.runs} runs; baseline: " + ", ".join(
        f"{p} {results[p, builds[0]][0]:,.0f} instructions, {results[p, builds[0]][1]:,} bytes .text"
        for p in programs))


if __name__ == "__main__":
    main()
