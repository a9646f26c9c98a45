#!/usr/bin/python3
"""What suture apply costs: a patched call, the time threads are stopped,
and patching many processes.  Prints Markdown tables (for the README).

    /usr/bin/python3 bench/runtime.py [--runs N] [--only calls,stop,models,all] [--procs 1000]

1. calls: ns per call of a function without padding, with suture-cc's
   padding (unpatched), and patched, side by side in one process; best of
   7 rounds of 20M calls, the best of --runs such; one process with the prefix room (the default:
   patched, the entry's `jmp rel8` to the room, the room's `jmp new`), one
   with the legacy 5-byte NOP (patched, the NOP is `jmp new`).
   Instructions per call are counted exactly, one call of each function
   single-stepped with ptrace (bench/stepcount.py).
2. stop: the longest time any thread is stopped (suture's own clock,
   SUTURE_TIMING=1: from the stop suture sees to the release) while a
   patch of 1, 10, 100 functions is applied to a process of 1, 10, 100
   threads with --consistency stop; median of --runs.  Also the upper
   bound on apply, counted from the PTRACE_INTERRUPT sent to the thread.
3. models: `thread` and `stop` side by side on one process of 1, 10, 100,
   1000 threads (each calls 10 functions, then sleeps 1 ms): the longest
   time a thread was stopped by suture's clock, the same seen from inside
   (each thread keeps the largest gap between two of its clock reads; the
   same window without suture beside it), the transition on suture's
   clock (SUTURE_TIMING: from the first thread's visit to the last
   thread switched and the entries written; under stop, seize + stop +
   switch) and the wall time of the whole apply; median of --runs.  Then the cost of a call while a
   `thread` transition is open (gate "by thread": the slot asks %fs) and
   after it, against the same call under `stop`.
4. all: wall time of `suture apply --all` (and revert --all) over --procs
   idle processes of one program.
5. cycles: --cycles apply/revert cycles (default 10000) on one process
   under `thread`, the record's `used` (suture status --json) read every
   1000: it must not grow.

Programs are built with build/suture-cc -fease-live-patching and patches
with build/suture diff, in a temporary directory.
"""
import argparse
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

import stepcount

ROOT = pathlib.Path(__file__).resolve().parent.parent
SUTURE = str(ROOT / "build" / "suture")
SUTURE_CC = str(ROOT / "build" / "suture-cc")
CC = [SUTURE_CC, "-O2", "-fease-live-patching"]


def sh(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr}")
    return r


def build_pair(work, name, orig_src, variants, link=("-pthread",), cc_extra=()):
    """orig program + one patch per variant {tag: source}; one source file
    name for all, as a rebuilt tree has.  CC_EXTRA: more suture-cc options."""
    d = work / name
    (d / "orig").mkdir(parents=True, exist_ok=True)
    (d / "orig" / f"{name}.c").write_text(orig_src)
    sh([*CC, *cc_extra, "-c", str(d / "orig" / f"{name}.c"), "-o", str(d / "orig" / "u.o")])
    prog = d / name
    sh(["gcc", *link, str(d / "orig" / "u.o"), "-o", str(prog)])
    patches = {}
    for tag, src in variants.items():
        (d / tag).mkdir(exist_ok=True)
        (d / tag / f"{name}.c").write_text(src)
        sh([*CC, *cc_extra, "-c", str(d / tag / f"{name}.c"), "-o", str(d / tag / "u.o")])
        patches[tag] = d / f"{tag}.o"
        sh([SUTURE, "diff", str(d / "orig" / "u.o"), str(d / tag / "u.o"), "-o", str(patches[tag])])
    return prog, patches


CALLCOST = r"""
#include <stdio.h>
#include <time.h>
#define BODY(x) return (x) * 3 + ADD;
#ifndef ADD
#define ADD 1
#endif
__attribute__((noinline, patchable_function_entry(0, 0))) int plain(int x) { return x * 3 + 1; }
__attribute__((noinline)) int padded(int x) { return x * 3 + 1; }
__attribute__((noinline)) int patched(int x) { BODY(x) }
#define LOOP(fn) __attribute__((noinline)) unsigned loop_##fn(int n) \
	{ unsigned s = 0; for (int i = 0; i < n; i++) s += fn(i); return s; }
LOOP(plain) LOOP(padded) LOOP(patched)
static double ns(unsigned (*loop)(int), int n)
{
	double best = 1e9;
	for (int r = 0; r < 7; r++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		volatile unsigned s = loop(n);
		(void)s;
		clock_gettime(CLOCK_MONOTONIC, &b);
		double t = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n;
		if (t < best) best = t;
	}
	return best;
}
int main(void)
{
	char line[16];
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	while (fgets(line, sizeof line, stdin)) {
		if (line[0] == '1') {   /* one call each, for bench/stepcount.py */
			volatile unsigned s = loop_plain(1) + loop_padded(1) + loop_patched(1);
			printf("%u\n", s);
			continue;
		}
		int n = 20000000;
		printf("%.3f %.3f %.3f\n", ns(loop_plain, n), ns(loop_padded, n), ns(loop_patched, n));
	}
	return 0;
}
"""


# entry form -> (suture-cc options, what a patched call runs beyond the body)
CALL_FORMS = {
    "room": ([], "`jmp rel8` to the room, `jmp new`"),
    "nop": (["-fease-live-patching-entry=nop"], "the NOP, now `jmp new`"),
}


def call_costs(work, form, runs):
    """ns per call of plain, padded and patched, before and after the
    patch, in one process built with FORM: the best of RUNS measurements
    (each the best of 7 rounds), against the other jobs of a shared
    machine; and, patched, the instructions one call of each executes."""
    opts = CALL_FORMS[form][0]
    prog, patches = build_pair(work, f"callcost-{form}", CALLCOST, {"p": "#define ADD 2\n" + CALLCOST},
                               cc_extra=opts)
    p = subprocess.Popen([str(prog)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        p.stdout.readline()

        def measure():
            best = None
            for _ in range(runs):
                p.stdin.write("go\n")
                p.stdin.flush()
                got = [float(x) for x in p.stdout.readline().split()]
                best = got if best is None else [min(a, b) for a, b in zip(best, got)]
            return best

        def one_call_each():
            p.stdin.write("1\n")
            p.stdin.flush()
        before = measure()
        sh([SUTURE, "apply", "--consistency", "stop", str(p.pid), str(patches["p"])])
        after = measure()
        counts = stepcount.instructions_per_call(p.pid, prog, ["plain", "padded", "patched"], one_call_each)
        p.stdout.readline()
        return before, after, counts
    finally:
        p.kill()
        p.wait()


def bench_calls(work, runs):
    costs = {form: call_costs(work, form, runs) for form in CALL_FORMS}
    (_, room, room_n), (_, nop, nop_n) = costs["room"], costs["nop"]
    print("| function | room: instructions per call (ptrace) | room: ns per call | legacy NOP: instructions "
          "per call | legacy NOP: ns per call | what the extra instructions are (room / NOP) |")
    print("|---|---|---|---|---|---|")
    print(f"| no padding | {room_n[0]} | {room[0]:.3f} | {nop_n[0]} | {nop[0]:.3f} | - |")
    print(f"| padded, not patched | {room_n[1]} | {room[1]:.3f} | {nop_n[1]} | {nop[1]:.3f} | "
          f"none / the NOP |")
    print(f"| patched | {room_n[2]} | {room[2]:.3f} | {nop_n[2]} | {nop[2]:.3f} | "
          f"{CALL_FORMS['room'][1]} / {CALL_FORMS['nop'][1]} |")
    for form, (before, after, _) in costs.items():
        print(f"\n{form}: before the patch, same process: {before[0]:.3f} / {before[1]:.3f} / "
              f"{before[2]:.3f} ns; patched minus unpatched padding: {after[2] - after[1]:+.3f} ns")
    print()


def target_source(nfuncs, changed, threads_code=True):
    lines = ["#include <pthread.h>", "#include <stdio.h>", "#include <stdlib.h>",
             "#include <time.h>", "#include <unistd.h>"]
    for k in range(nfuncs):
        add = 2 if k < changed else 1
        lines.append(f"__attribute__((noinline)) int f{k}(int x) {{ return x * {k + 3} + {add}; }}")
    lines.append("static int (*const table[])(int) = {" + ", ".join(f"f{k}" for k in range(nfuncs)) + "};")
    lines.append(r"""
static void *worker(void *arg)
{
	unsigned s = 0;
	for (;;) {
		for (unsigned k = 0; k < sizeof table / sizeof table[0]; k++)
			s += table[k]((int)s);
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return arg;
}
int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 1;
	pthread_t t;
	for (int i = 1; i < threads; i++)
		pthread_create(&t, NULL, worker, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	worker(NULL);
	return 0;
}
""")
    return "\n".join(lines) + "\n"


def timing(stderr, what="longest-stop-us"):
    m = re.search(what + r"=([\d.]+)", stderr)
    return float(m.group(1))


def bench_stop(work, runs):
    variants = {f"f{k}": target_source(100, k) for k in (1, 10, 100)}
    prog, patches = build_pair(work, "stoptarget", target_source(100, 0), variants)
    env = dict(os.environ, SUTURE_TIMING="1")
    print("| threads | functions | longest stop of a thread, apply (ms) | revert (ms) "
          "| apply, from the interrupt (ms) | apply wall time (ms) |")
    print("|---|---|---|---|---|---|")
    for threads in (1, 10, 100):
        p = subprocess.Popen([str(prog), str(threads)], stdout=subprocess.PIPE, text=True)
        p.stdout.readline()
        time.sleep(0.2)
        try:
            for k in (1, 10, 100):
                stops, rstops, bounds, walls = [], [], [], []
                for _ in range(runs):
                    t0 = time.monotonic()
                    r = sh([SUTURE, "apply", "--consistency", "stop", "--timeout", "30", str(p.pid),
                            str(patches[f"f{k}"])], env=env)
                    walls.append((time.monotonic() - t0) * 1000)
                    stops.append(timing(r.stderr) / 1000)
                    # the switch itself: `transition` under thread, the
                    # stop's steps under stop
                    steps = re.findall(r"(seize|stop\+check|switch|transition)=([\d.]+)us", r.stderr)
                    switches.append(sum(float(us) for _, us in steps) / 1000)
                    bounds.append(timing(r.stderr, "since-interrupt-us") / 1000)
                    r = sh([SUTURE, "revert", str(p.pid), f"f{k}"], env=env)
                    rstops.append(timing(r.stderr) / 1000)
                print(f"| {threads} | {k} | {statistics.median(stops):.2f} | {statistics.median(rstops):.2f} "
                      f"| {statistics.median(bounds):.2f} | {statistics.median(walls):.1f} |")
        finally:
            p.kill()
            p.wait()
    print()


IDLE = r"""
#include <stdio.h>
#include <unistd.h>
__attribute__((noinline)) int work(int x) { return x + ADD; }
int main(void) { for (int i = 0;; i++) { if (work(i) < 0) puts("?"); sleep(1); } }
"""


def bench_all(work, nprocs):
    prog, patches = build_pair(work, "idle", "#define ADD 1\n" + IDLE, {"idlefix": "#define ADD 2\n" + IDLE})
    procs = [subprocess.Popen([str(prog)], stdout=subprocess.DEVNULL) for _ in range(nprocs)]
    try:
        time.sleep(1)
        print("| processes | model | apply --all (s, best of 2) | revert --all (s) |")
        print("|---|---|---|---|")
        for model in ("none", "stop"):
            applies, reverts = [], []
            for _ in range(2):   # the first round also warms the caches
                t0 = time.monotonic()
                r = sh([SUTURE, "apply", "--consistency", model, "--target", str(prog), "--all",
                        str(patches["idlefix"])])
                t1 = time.monotonic()
                sh([SUTURE, "revert", "--all", "idlefix"])
                t2 = time.monotonic()
                assert f"to {nprocs} processes" in r.stdout, r.stdout
                applies.append(t1 - t0)
                reverts.append(t2 - t1)
            print(f"| {nprocs} | {model} | {min(applies):.2f} | {min(reverts):.2f} |")
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()
    print()


GAPS = r"""
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifndef ADD
#define ADD 1
#endif
#define F(k) __attribute__((noinline)) int f##k(int x) { return x * (k + 3) + ADD; }
F(0) F(1) F(2) F(3) F(4) F(5) F(6) F(7) F(8) F(9)
static int (*const table[])(int) = { f0, f1, f2, f3, f4, f5, f6, f7, f8, f9 };
static long gap_ns;   /* the largest gap any thread saw since the last query */
static long sleep_ns = 1000 * 1000;   /* each worker's pause between rounds */
static long now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}
static void *worker(void *arg)
{
	unsigned s = 0;
	long last = now();
	for (;;) {
		for (unsigned k = 0; k < 10; k++)
			s += table[k]((int)s);
		struct timespec ts = { sleep_ns / 1000000000L, sleep_ns % 1000000000L };
		nanosleep(&ts, NULL);
		long t = now(), g = t - last - sleep_ns;
		last = t;
		long seen = __atomic_load_n(&gap_ns, __ATOMIC_RELAXED);
		while (g > seen && !__atomic_compare_exchange_n(&gap_ns, &seen, g, 0, __ATOMIC_RELAXED,
								 __ATOMIC_RELAXED))
			;
	}
	return arg;
}
/* while a thread sits in hold() a `thread` transition stays open */
static volatile int hold_on;
__attribute__((noinline)) void hold(void)
{
	while (hold_on) {
		struct timespec ts = { 0, 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	__asm__ volatile("" ::: "memory");
}
static void *holder(void *arg)
{
	for (;;) {
		hold();
		struct timespec ts = { 0, 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return arg;
}
static double call_ns(void)
{
	double best = 1e9;
	for (int r = 0; r < 5; r++) {
		long a = now();
		volatile unsigned s = 0;
		for (int i = 0; i < 10000000; i++)
			s += f0(i);
		double t = (double)(now() - a) / 1e7;
		if (t < best)
			best = t;
	}
	return best;
}
int main(int argc, char **argv)
{
	int threads = atoi(argv[1]);
	if (argc > 2)
		sleep_ns = atol(argv[2]) * 1000;
	pthread_t t;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < threads; i++)
		pthread_create(&t, NULL, worker, NULL);
	pthread_create(&t, NULL, holder, NULL);
	printf("ready\n");
	char line[32];
	while (fgets(line, sizeof line, stdin)) {
		if (strncmp(line, "gap", 3) == 0)
			printf("%ld\n", __atomic_exchange_n(&gap_ns, 0, __ATOMIC_RELAXED) / 1000);
		else if (strncmp(line, "hold", 4) == 0)
			printf("%d\n", hold_on = 1);
		else if (strncmp(line, "free", 4) == 0)
			printf("%d\n", hold_on = 0);
		else
			printf("%.3f\n", call_ns());
	}
	return 0;
}
"""


class Target:
    def __init__(self, prog, *args):
        self.p = subprocess.Popen([str(prog), *map(str, args)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True)
        self.p.stdout.readline()

    def ask(self, what):
        self.p.stdin.write(what + "\n")
        self.p.stdin.flush()
        return float(self.p.stdout.readline())

    def close(self):
        self.p.kill()
        self.p.wait()


def bench_models(work, runs, counts=(1, 10, 100, 1000)):
    prog, patches = build_pair(work, "gaps", GAPS, {"gapfix": "#define ADD 2\n" + GAPS})
    env = dict(os.environ, SUTURE_TIMING="1")
    print("| threads | model | longest stop, suture's clock: apply (ms) | revert (ms) "
          "| longest gap inside the target (ms) | same window without suture (ms) "
          "| apply: the transition, suture's clock (ms) | apply wall time, load and all (ms) |")
    print("|---|---|---|---|---|---|---|---|")
    for threads in counts:
        # 1000 threads waking every millisecond would keep both CPUs busy
        # on their own: they pause 10 ms
        t = Target(prog, threads, 1000 if threads <= 100 else 10000)
        time.sleep(0.5 + threads / 500)
        try:
            for model in ("thread", "stop"):
                stops, rstops, gaps, quiet, walls, switches = [], [], [], [], [], []
                for _ in range(runs):
                    t.ask("gap")
                    t0 = time.monotonic()
                    r = sh([SUTURE, "apply", "--consistency", model, "--timeout", "60", str(t.p.pid),
                            str(patches["gapfix"])], env=env)
                    walls.append((time.monotonic() - t0) * 1000)
                    gaps.append(t.ask("gap") / 1000)
                    stops.append(timing(r.stderr) / 1000)
                    # the switch itself: `transition` under thread, the
                    # stop's steps under stop
                    steps = re.findall(r"(seize|stop\+check|switch|transition)=([\d.]+)us", r.stderr)
                    switches.append(sum(float(us) for _, us in steps) / 1000)
                    r = sh([SUTURE, "revert", str(t.p.pid), "gapfix"], env=env)
                    rstops.append(timing(r.stderr) / 1000)
                    t.ask("gap")
                    time.sleep(walls[-1] / 1000)
                    quiet.append(t.ask("gap") / 1000)
                print(f"| {threads} | {model} | {statistics.median(stops):.2f} | {statistics.median(rstops):.2f} "
                      f"| {statistics.median(gaps):.2f} "
                      f"| {statistics.median(quiet):.2f} | {statistics.median(switches):.1f} "
                      f"| {statistics.median(walls):.1f} |")
        finally:
            t.close()
    print()
    t = Target(prog, 1)
    try:
        before = t.ask("calls")
        sh([SUTURE, "apply", "--consistency", "stop", str(t.p.pid), str(patches["gapfix"])])
        stop = t.ask("calls")
        sh([SUTURE, "revert", str(t.p.pid), "gapfix"])
        t.ask("hold")
        time.sleep(0.05)
        bg = subprocess.Popen([SUTURE, "apply", "--timeout", "60", str(t.p.pid), str(patches["gapfix"])],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        while time.time() < deadline and "by thread" not in sh([SUTURE, "status", str(t.p.pid)]).stdout:
            time.sleep(0.01)
        during = t.ask("calls")
        t.ask("free")
        bg.wait()
        after = t.ask("calls")
    finally:
        t.close()
    print("| a call of f0 | ns (best of 5 x 10M) |")
    print("|---|---|")
    print(f"| not patched (room form: nothing executed) | {before:.3f} |")
    print(f"| patched under `stop` (`jmp rel8` + `jmp new`) | {stop:.3f} |")
    print(f"| during a `thread` transition (+ slot: gate, %fs byte) | {during:.3f} |")
    print(f"| after the `thread` transition | {after:.3f} |")
    print()


def bench_cycles(work, cycles):
    prog, patches = build_pair(work, "cycles", GAPS, {"cyclefix": "#define ADD 2\n" + GAPS})
    t = Target(prog, 2)
    used = []
    try:
        t0 = time.monotonic()
        for i in range(cycles):
            sh([SUTURE, "apply", str(t.p.pid), str(patches["cyclefix"])])
            if i % 1000 == 0:
                st = sh([SUTURE, "status", "--json", str(t.p.pid)]).stdout
                used.append(int(re.search(r'"record_used": (\d+)', st).group(1)))
            sh([SUTURE, "revert", str(t.p.pid), "cyclefix"])
        wall = time.monotonic() - t0
        st = sh([SUTURE, "status", "--json", str(t.p.pid)]).stdout
        rss = int(re.search(r"VmRSS:\s+(\d+)", pathlib.Path(f"/proc/{t.p.pid}/status").read_text()).group(1))
    finally:
        t.close()
    last = re.search(r'"record_used": (\d+)', st).group(1)
    print(f"{cycles} apply/revert cycles in {wall:.0f} s; record_used while applied, every 1000: "
          f"{sorted(set(used))} bytes; after the last revert: {last} bytes; target RSS at the end {rss} KiB\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default="calls,stop,models,all")
    ap.add_argument("--procs", type=int, default=1000)
    ap.add_argument("--cycles", type=int, default=10000)
    ap.add_argument("--threads", default="1,10,100,1000", help="models: the thread counts")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="suture-bench-rt-") as tmp:
        work = pathlib.Path(tmp)
        only = args.only.split(",")
        if "calls" in only:
            bench_calls(work, args.runs)
        if "stop" in only:
            bench_stop(work, args.runs)
        if "models" in only:
            bench_models(work, args.runs, [int(n) for n in args.threads.split(",")])
        if "all" in only:
            bench_all(work, args.procs)
        if "cycles" in only:
            bench_cycles(work, args.cycles)


if __name__ == "__main__":
    sys.exit(main())
