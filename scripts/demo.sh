#!/bin/bash
# The demo: builds suture and the kvd service (examples/kvd) with
# suture-cc -fease-live-patching, starts it, talks to it, shows its bug
# (SLOT 16 reads past the slot table and leaks the admin token) and what
# suture-cc put into the program, then stops it cleanly.
#
#   scripts/demo.sh [PORT]        (default 7070; as root on Debian 12)
#
# Each step is a function; later steps (patching kvd live) go between
# show_the_bug and stop_service.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PORT=${1:-7070}
KVD_DIR=$ROOT/examples/kvd
KVD_PID=

step() { printf '\n== %s\n' "$*"; }

# One request, one reply line.
ask() {
	local reply
	reply=$(printf '%s\nQUIT\n' "$*" | nc -w 5 127.0.0.1 "$PORT" | head -n 1)
	printf '  > %-22s %s\n' "$*" "$reply"
}

install_and_build() {
	step "1. install what is missing, build suture"
	scripts/install-deps.sh
	scripts/build.sh
	echo "  built: build/suture, build/suture-cc"
}

build_service() {
	step "2. build kvd with suture-cc -fease-live-patching"
	make -s -C "$KVD_DIR" clean
	make -C "$KVD_DIR" CC="$ROOT/build/suture-cc" 2>&1 | sed 's/^/  /'
}

start_service() {
	step "3. start kvd on 127.0.0.1:$PORT (4 worker threads)"
	"$KVD_DIR/kvd" "$PORT" 4 > "$KVD_DIR/kvd.log" 2>&1 &
	KVD_PID=$!
	for _ in $(seq 50); do
		if grep -q serving "$KVD_DIR/kvd.log"; then break; fi
		if ! kill -0 "$KVD_PID" 2>/dev/null; then
			cat "$KVD_DIR/kvd.log" >&2
			echo "demo: kvd did not start (is port $PORT taken? run scripts/demo.sh PORT)" >&2
			exit 1
		fi
		sleep 0.1
	done
	sed 's/^/  /' "$KVD_DIR/kvd.log"
}

use_service() {
	step "4. it answers"
	ask SET user alice
	ask GET user
	ask INCR visits
	ask INCR visits 41
	ask COUNT
	ask SLOT 0
	ask SLOT 15
}

show_the_bug() {
	step "5. the bug: store_slot() accepts index 16, one past the table (examples/kvd/store.c)"
	ask SLOT 16
	echo "  slot 16 is past the 16 slots: the reply leaks the admin token."
	echo "  The fix, examples/kvd/fix.patch:"
	sed 's/^/    /' "$KVD_DIR/fix.patch"
}

show_what_suture_cc_kept() {
	step "6. what suture-cc put into kvd"
	echo "  entry padding: one 5-byte NOP where store_slot starts"
	objdump -d --no-show-raw-insn "$KVD_DIR/kvd" | awk '/<store_slot>:/{p=1} p&&NR>0{print "    " $0; if (++n==4) exit}'
	echo "  unit records (.suture.units), one per source file; the first lines of each:"
	readelf -p .suture.units "$KVD_DIR/kvd" | grep -E 'suture-unit|source |level |padding ' | sed 's/^ */    /'
}

stop_service() {
	step "7. stop kvd cleanly"
	kill -TERM "$KVD_PID"
	wait "$KVD_PID" || true
	KVD_PID=
	sed -n '2,$s/^/  /p' "$KVD_DIR/kvd.log"
}

cleanup() {
	if [ -n "$KVD_PID" ]; then
		kill -TERM "$KVD_PID" 2>/dev/null || true
		wait "$KVD_PID" 2>/dev/null || true
	fi
}
trap cleanup EXIT

install_and_build
build_service
start_service
use_service
show_the_bug
show_what_suture_cc_kept
stop_service
