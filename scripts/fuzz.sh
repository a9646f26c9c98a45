#!/bin/sh
# Builds suture's readers with clang, libFuzzer, ASan and UBSan into
# ./build-fuzz and fuzzes each harness of tests/fuzz.
#
#   scripts/fuzz.sh [RUNS]     RUNS executions per harness (default 1000000)
#
# The seeds are made at each run (tests/fuzz/make_seeds.py) with the
# crashers kept in tests/fuzz/crashers/NAME/ (each one a test, see
# tests/test_fuzz.py); a new crash libFuzzer finds is written there.  Prints one line per
# harness: executions, seconds, executions per second.
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
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for name in ${FUZZ_HARNESSES:-patch elf units state}; do
	corpus=$(mktemp -d)
	mkdir -p "tests/fuzz/crashers/$name"
	cp -r "build-fuzz/seeds/$name/." "tests/fuzz/crashers/$name/." "$corpus/"
	start=$(date +%s)
	./build-fuzz/tests/fuzz/fuzz-$name -runs="$RUNS" -max_len=65536 -timeout=60 \
		-rss_limit_mb=4096 -artifact_prefix="tests/fuzz/crashers/$name/" \
		-print_final_stats=1 "$corpus" >"build-fuzz/fuzz-$name.log" 2>&1 || true
	end=$(date +%s)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/fuzz-$name.log")
	secs=$((end - start))
	echo "fuzz-$name: ${runs:-?} executions in ${secs}s ($(( ${runs:-0} / (secs > 0 ? secs : 1) ))/s), crashers: $(ls "tests/fuzz/crashers/$name" | wc -l)"
	rm -rf "$corpus"
done
