#!/bin/sh
# Installs, from Debian 12's archive, whatever suture needs to build, test
# and run its demo that this machine does not have yet.  Run as root.
set -eu

PACKAGES="gcc make meson ninja-build pkg-config binutils elfutils
libelf-dev libdw-dev libcapstone-dev libsodium-dev libclang-rt-14-dev
python3 python3-pytest python3-pytest-xdist
dpkg-dev xz-utils patch file procps netcat-openbsd
cmake clang tcl autoconf automake libtool
csmith python3-pyelftools
python3-jsonschema ansible-core debhelper gdb"

missing=""
for pkg in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
		missing="$missing $pkg"
	fi
done

if [ -n "$missing" ]; then
	echo "suture: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
