#!/bin/sh
# Runs the wtstat binary built with AddressSanitizer and UBSan (make
# test-asan) through what needs no root: option and rule errors, and gate
# re-judging (--input) of every hand-written gate document seed, once with
# --save, --junit, -o and a --baseline. Each run must end with the status the README promises
# (0, 1 or 2) and without a sanitizer report. Last line: "N passed, M failed".
set -u

[ "$#" -eq 1 ] || { echo "usage: $0 SANITIZED_WTSTAT" >&2; exit 2; }
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wtstat-asan.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
# a report exits 86: never mistaken for a gate verdict
ASAN_OPTIONS=exitcode=86:detect_leaks=1
UBSAN_OPTIONS=exitcode=86:print_stacktrace=1:halt_on_error=1
LSAN_OPTIONS=suppressions=$here/lsan.supp:print_suppressions=0
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

passed=0
failed=0
# expect ALLOWED_STATUSES DESCRIPTION ARGS...
expect() {
	allowed=$1 what=$2
	shift 2
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if grep -q -E 'Sanitizer|runtime error' "$tmp/err" || ! echo " $allowed " | grep -q " $rc "; then
		echo "FAIL  $what: exit $rc (expected $allowed)"
		sed 's/^/      /' "$tmp/err" | head -n 20
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
}

expect 0 "--help" --help
expect 2 "bad --top" --top 0
expect 2 "bad --interval" -i -1
expect 2 "bad --probe" --probe 'wt_end=uprobe:x'
expect 2 "bad rule" gate --rule 'stable_wait.p99 < 2xs' --input /dev/null
expect 2 "relative rule without baseline" gate --rule 'stable_wait.p99 <= baseline+10%' --input /dev/null
expect 2 "rules file with a bad line" gate --rules "$here/rules.dict" --input /dev/null
# the hand-written documents (*.json), not the fuzzers' additions
for doc in "$here"/corpus/baseline/*.json; do
	expect "0 1 2" "gate --input $(basename "$doc")" gate --input "$doc" --rule 'stable_wait.p99 < 2ms' \
		--rule 'anomalies == 0'
done
saved=$here/corpus/baseline/saved_gate.json
expect "0 1" "gate --input with every output" gate --input "$saved" --rule 'stable_wait.p99 < 2ms' \
	-o "$tmp/report" --save "$tmp/save.json" --junit "$tmp/junit.xml"
expect "0 1" "gate --baseline, saved again" gate --input "$tmp/save.json" --baseline "$saved" \
	--max-regression 10% --regression-floor 5 --regression-floor 100us \
	--regress-on 'stable_wait.p99{comm=fio},stable_wait.count{file="a,b"}' --json
expect 2 "gate --baseline with a null kind" gate --input "$saved" --baseline "$here/corpus/baseline/null_kind.json" \
	--max-regression 10%
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
