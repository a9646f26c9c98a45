#!/bin/bash
# The demo: builds suture and the kvd service (examples/kvd) with
# suture-cc -fease-live-patching, starts it, talks to it, shows its bug
# (SLOT 16 reads past the slot table and leaks the admin token), makes a
# patch from examples/kvd/fix.patch with suture build, applies it to the
# running service while a client stays connected and another keeps sending
# requests (and counts the failed ones), reverts and re-applies it, shows
# what suture-cc put into the program, then stops it cleanly.
# Everything is built in a temporary directory, removed at the end.
#
#   scripts/demo.sh [PORT]        (default 7070; as root on Debian 12)
#
# Each step is a function, called in order at the end of the file.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PORT=${1:-7070}
KVD_SRC=$ROOT/examples/kvd
WORK=$(mktemp -d /tmp/suture-demo.XXXXXX)
KVD_DIR=$WORK/kvd
KVD_PID=
PATCH_FILE=
LOAD_PID=

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
	cp -r "$KVD_SRC" "$KVD_DIR"
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

make_the_patch() {
	step "6. make the patch: suture build builds kvd's tree as it is and with fix.patch"
	PATCH_FILE=$WORK/kvd-fix.patch
	echo "  \$ suture build -C kvd -o kvd-fix.patch fix.patch"
	build/suture build -C "$KVD_DIR" -o "$PATCH_FILE" "$KVD_DIR/fix.patch" | sed 's/^/  /'
	echo "  \$ suture info kvd-fix.patch"
	build/suture info "$PATCH_FILE" | sed 's/^/  /'
}

# Requests sent one after another while the patch goes in and out; each
# reply that is not the expected one counts as failed.
start_load() {
	: > "$WORK/load.ok"
	: > "$WORK/load.failed"
	(
		while [ ! -e "$WORK/load.stop" ]; do
			reply=$(printf 'GET user\nQUIT\n' | nc -w 5 127.0.0.1 "$PORT" | head -n 1)
			if [ "$reply" = "alice" ]; then echo >> "$WORK/load.ok"; else echo >> "$WORK/load.failed"; fi
		done
	) &
	LOAD_PID=$!
}

stop_load() {
	touch "$WORK/load.stop"
	wait "$LOAD_PID" || true
	LOAD_PID=
	echo "  requests sent meanwhile by another client: $(wc -l < "$WORK/load.ok") answered," \
	     "$(wc -l < "$WORK/load.failed") failed"
}

# A client that stays connected across the patch: the service never restarts.
client_says() {
	local reply
	printf '%s\n' "$*" >&"${CLIENT[1]}"
	read -r -t 5 reply <&"${CLIENT[0]}"
	printf '  > %-22s %s\n' "$*" "$reply"
}

patch_it_live() {
	step "7. apply the patch to the running kvd (pid $KVD_PID), a client connected throughout"
	coproc CLIENT { nc 127.0.0.1 "$PORT"; }
	start_load
	client_says SLOT 16
	echo "  \$ suture apply --consistency stop $KVD_PID kvd-fix.patch"
	build/suture apply --consistency stop "$KVD_PID" "$PATCH_FILE" | sed 's/^/  /'
	client_says SLOT 16
	client_says SLOT 15
	client_says GET user
	echo "  same connection, same process (pid $KVD_PID, up $(ps -o etimes= -p "$KVD_PID" | tr -d ' ') s), its data kept."
	echo "  \$ suture status $KVD_PID"
	build/suture status "$KVD_PID" | sed 's/^/  /'
}

revert_and_reapply() {
	step "8. revert it (the bug is back), then apply it again"
	build/suture revert "$KVD_PID" kvd-fix | sed 's/^/  /'
	client_says SLOT 16
	build/suture apply --consistency stop "$KVD_PID" "$PATCH_FILE" | sed 's/^/  /'
	client_says SLOT 16
	client_says QUIT
	stop_load
}

show_what_suture_cc_kept() {
	step "9. what suture-cc put into kvd"
	echo "  entry padding: one 5-byte NOP where store_slot starts"
	objdump -d --no-show-raw-insn "$KVD_DIR/kvd" | awk '/<store_slot>:/{p=1} p&&NR>0{print "    " $0; if (++n==4) exit}'
	echo "  unit records (.suture.units), one per source file; the first lines of each:"
	readelf -p .suture.units "$KVD_DIR/kvd" | grep -E 'suture-unit|source |level |padding ' | sed 's/^ */    /'
}

stop_service() {
	step "10. stop kvd cleanly"
	kill -TERM "$KVD_PID"
	wait "$KVD_PID" || true
	KVD_PID=
	sed -n '2,$s/^/  /p' "$KVD_DIR/kvd.log"
}

cleanup() {
	if [ -n "$LOAD_PID" ]; then
		touch "$WORK/load.stop"
		wait "$LOAD_PID" 2>/dev/null || true
	fi
	if [ -n "$KVD_PID" ]; then
		kill -TERM "$KVD_PID" 2>/dev/null || true
		wait "$KVD_PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

install_and_build
build_service
start_service
use_service
show_the_bug
make_the_patch
patch_it_live
revert_and_reapply
show_what_suture_cc_kept
stop_service
