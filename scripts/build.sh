#!/bin/sh
# Configures (once) and builds suture into ./build.
set -eu
cd "$(dirname "$0")/.."
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null || ninja -C build   # again, to show the error
