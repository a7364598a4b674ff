#!/bin/sh
# Runs every cmocka unit-test binary given on the command line, shows its
# output and sums the results. The last line is exactly "N passed, M failed";
# the exit status is non-zero when anything failed.
#
# Counts come from cmocka's summary lines:
#   [  PASSED  ] N test(s).
#   [  FAILED  ] N test(s), listed below:
# A binary that exits non-zero without reporting a failure (it crashed, or
# could not start) counts as one failed test, so it cannot go unnoticed.

if [ "$#" -eq 0 ]; then
	echo "usage: $0 TEST_BINARY..." >&2
	exit 2
fi

# cmocka can print TAP, subunit or XML instead; only its own format is parsed.
CMOCKA_MESSAGE_OUTPUT=stdout
export CMOCKA_MESSAGE_OUTPUT

log=$(mktemp "${TMPDIR:-/tmp}/wtstat-unit.XXXXXX") || exit 2
trap 'rm -f "$log"' EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
for bin in "$@"; do
	echo "=== $bin"
	"$bin" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\..*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s), listed below:.*/\1/p' "$log" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "!!! $bin exited with status $rc without a cmocka failure summary: counted as 1 failure"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
