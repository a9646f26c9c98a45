#!/bin/sh
# The whole test suite: installs what is missing, builds, runs every test,
# and ends with the line "N passed, N failed".
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
report=$(mktemp /tmp/suture-tests.XXXXXX.xml)
status=0
# Debian's python3 carries pytest; a python3 earlier on PATH (pyenv) may not.
/usr/bin/python3 -m pytest tests -n 2 -q -rfE --junitxml="$report" "$@" || status=$?
/usr/bin/python3 scripts/summarize-junit.py "$report" || status=1
rm -f "$report"
exit "$status"
