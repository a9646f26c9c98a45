#!/bin/sh
# Builds suture's readers with clang, libFuzzer, ASan and UBSan into
# ./build-fuzz and fuzzes each harness of tests/fuzz.
#
#   scripts/fuzz.sh [RUNS]     RUNS executions per harness (default 1000000)
#
# The seeds are made at each run (tests/fuzz/make_seeds.py) with the
# crashers kept in tests/fuzz/crashers/NAME/ (each one a test, see
# tests/test_fuzz.py); a new crash libFuzzer finds is written there.  The
# corpus a campaign grows is kept in build-fuzz/corpus/NAME/ (never in git)
# and the next campaign starts from it.  Prints one line per harness:
# executions, seconds, executions per second.
#
# ASan's quarantine is 16 MB rather than 256: with 256, every execution
# touched fresh pages and ASan gave them back with madvise(), two page
# faults and a TLB shootdown per page, which on this paravirtualised VM
# made fuzz-elf (35 KB inputs read three times) 3-5 times slower.
set -eu
cd "$(dirname "$0")/.."
RUNS=${1:-1000000}
if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link >/dev/null
fi
ninja -C build-fuzz >/dev/null
rm -rf build-fuzz/seeds
ASAN_OPTIONS=detect_leaks=0 /usr/bin/python3 tests/fuzz/make_seeds.py build-fuzz build-fuzz/seeds
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:quarantine_size_mb=16:allocator_release_to_os_interval_ms=-1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for name in ${FUZZ_HARNESSES:-patch elf units state}; do
	corpus=build-fuzz/corpus/$name
	mkdir -p "tests/fuzz/crashers/$name" "$corpus"
	cp -r "build-fuzz/seeds/$name/." "tests/fuzz/crashers/$name/." "$corpus/"
	start=$(date +%s)
	./build-fuzz/tests/fuzz/fuzz-$name -runs="$RUNS" -max_len=65536 -timeout=60 \
		-rss_limit_mb=4096 -artifact_prefix="tests/fuzz/crashers/$name/" \
		-print_final_stats=1 "$corpus" >"build-fuzz/fuzz-$name.log" 2>&1 || true
	end=$(date +%s)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/fuzz-$name.log")
	secs=$((end - start))
	echo "fuzz-$name: ${runs:-?} executions in ${secs}s ($(( ${runs:-0} / (secs > 0 ? secs : 1) ))/s), crashers: $(ls "tests/fuzz/crashers/$name" | wc -l)"
done
