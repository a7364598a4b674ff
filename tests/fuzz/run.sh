#!/bin/sh
# Runs each libFuzzer target for SECONDS on its committed seed corpus
# (tests/fuzz/corpus/NAME for build/fuzz/fuzz_NAME, with NAME.dict when
# there is one) and prints one line per target: runs, coverage, corpus.
# The inputs a run adds go to new-NAME/ beside the binary and a failing
# input to NAME-crash-* (or -leak-, -timeout-, -oom-); nothing is written to the source tree. Exit
# status 1 when any target crashed, leaked, hung or broke an invariant.
set -u

usage() {
	echo "usage: $0 SECONDS FUZZ_BINARY..." >&2
	exit 2
}
[ "$#" -ge 2 ] || usage
secs=$1
shift
case $secs in
''|*[!0-9]*|0)
	echo "fuzz: run time '$secs' is not a whole number of seconds above 0: set FUZZ_SECONDS=20" >&2
	exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)

failed=0
for bin in "$@"; do
	base=$(basename "$bin")
	name=${base#fuzz_}
	seeds=$here/corpus/$name
	out=$(dirname "$bin")
	if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
		echo "fuzz: $bin: no such fuzzer or no seed corpus $seeds: build it with 'make fuzz-bins'" >&2
		exit 2
	fi
	new=$out/new-$name
	log=$out/$name.log
	rm -rf "$new" "$out/$name"-*
	mkdir -p "$new"
	dict=
	[ -f "$here/$name.dict" ] && dict=-dict=$here/$name.dict
	nseeds=$(find "$seeds" -type f | wc -l)
	# new inputs go to the first directory; the seeds are only read
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$out/$name-" $dict "$new" "$seeds" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	done_line=$(grep -E '[[:space:]]DONE ' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$done_line" ]; then
		cov=$(echo "$done_line" | sed 's/.* cov: \([0-9]*\).*/\1/')
		ft=$(echo "$done_line" | sed 's/.* ft: \([0-9]*\).*/\1/')
		corp=$(echo "$done_line" | sed 's/.* corp: \([0-9]*\).*/\1/')
		echo "fuzz_$name: ok: ${runs:-?} runs in ${secs}s, coverage $cov edges ($ft features), corpus $corp inputs from $nseeds seeds"
		continue
	fi
	failed=$((failed + 1))
	input=$(find "$out" -maxdepth 1 -name "$name-*" | head -n 1)
	why=$(grep -m 1 -E '^(SUMMARY|invariant broken|==[0-9]+==ERROR)' "$log")
	echo "fuzz_$name: FAILED after ${runs:-?} runs: ${why:-exit status $rc}; input ${input:-none}; reproduce: $bin $input; log $log"
done
[ "$failed" -eq 0 ]
