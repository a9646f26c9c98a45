#!/bin/sh
# Configures (once) and builds suture with ASan and UBSan into ./build-asan
# (point the tests at it with SUTURE_BUILD=build-asan; scripts/check.sh does).
set -eu
cd "$(dirname "$0")/.."
[ -f build-asan/build.ninja ] || meson setup build-asan -Db_sanitize=address,undefined \
	-Db_lundef=false -Dc_args=-fno-sanitize-recover=undefined >/dev/null
ninja -C build-asan >/dev/null
