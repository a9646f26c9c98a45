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
/usr/bin/python3 -m pytest tests -n 2 --dist loadgroup -q -rfE --junitxml="$report" "$@" || status=$?
reports="$report"

# The same suture built with ASan and UBSan, through the tests of every
# reader and of the runtime's refusals (the whole suite twice would not fit
# the time budget; SUTURE_SANITIZED_TESTS=tests runs all of it).  A
# sanitizer's report exits 86, which no test takes for a refusal.
if [ -z "${SUTURE_NO_SANITIZED:-}" ]; then
	scripts/build-sanitized.sh
	report=$(mktemp /tmp/suture-tests.XXXXXX.xml)
	reports="$reports $report"
	echo "suture built with ASan+UBSan:"
	# shellcheck disable=SC2086
	SUTURE_BUILD=$PWD/build-asan ASAN_OPTIONS=detect_leaks=0:exitcode=86 \
		UBSAN_OPTIONS=halt_on_error=1:exitcode=86:print_stacktrace=1 \
		/usr/bin/python3 -m pytest ${SUTURE_SANITIZED_TESTS:-tests/test_bad_inputs.py \
		tests/test_patchfile.py tests/test_trust.py tests/test_fuzz.py tests/test_extern_data.py \
		tests/test_runtime_errors.py tests/test_runtime.py tests/test_diff_objects.py \
		tests/test_audit.py tests/test_impact.py tests/test_cli.py} \
		-n 2 --dist loadgroup -q -rfE --junitxml="$report" "$@" || status=$?
fi
# One closing line for both passes.
# shellcheck disable=SC2086
/usr/bin/python3 scripts/summarize-junit.py $reports || status=1
# shellcheck disable=SC2086
rm -f $reports
exit "$status"
