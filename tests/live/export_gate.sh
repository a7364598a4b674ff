#!/usr/bin/env bash
# Live tests of 'wtstat export' and 'wtstat gate', as root: a real exporter
# read by promtool and by a real node_exporter over HTTP, and real gates on
# loop devices with stable_writes=0 and 1.
#
# Sourced by tests/live/run.sh (its ok/nok/check helpers and counters are
# used), or run alone: then it prints its own "N passed, M failed" line.
set -uo pipefail

if ! declare -F ok > /dev/null; then
	standalone=1
	top=$(cd "$(dirname "$0")/../.." && pwd)
	W=$top/wtstat
	LOAD=$top/build/wtload
	T=$(mktemp -d /tmp/wtstat-live.XXXXXX)
	pass=0 failn=0 skipn=0 n=0
	ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
	nok() { n=$((n + 1)); failn=$((failn + 1)); echo "not ok $n - $1: $2"; }
	skip() { n=$((n + 1)); skipn=$((skipn + 1)); echo "skip $n - $1: $2"; }
	check() {
		local name=$1 why=$2
		shift 2
		if "$@" > /dev/null; then ok "$name"; else nok "$name" "$why"; fi
	}
	trap 'eg_cleanup; rm -rf "$T"' EXIT
	if [ "$(id -u)" -ne 0 ]; then
		echo "live tests need root"; echo "0 passed, 1 failed"; exit 1
	fi
else
	standalone=0
fi

# Everything started here is stopped here, by its own pid.
eg_pids=()
eg_mounts=()
eg_cleanup() {
	local p m
	for p in "${eg_pids[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	eg_pids=()
	for m in "${eg_mounts[@]}"; do
		umount "${m%%|*}" 2>/dev/null || umount -l "${m%%|*}" 2>/dev/null
		rm -rf "${m#*|}"
	done
	eg_mounts=()
}

free_port() {
	local p
	for p in $(seq 19100 19999); do
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# The checks the textfile collector and the format make, on a .prom file.
# Each prints nothing and succeeds, or says what is wrong.
no_timestamps() { # every sample line is NAME[{LABELS}] VALUE: nothing after the value
	! grep -v '^#' "$1" | grep -Ev '^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? [^ ]+$'
}
one_help_type() { # one HELP and one TYPE per family
	[ -z "$(grep '^# HELP' "$1" | awk '{print $3}' | sort | uniq -d)" ] &&
		[ -z "$(grep '^# TYPE' "$1" | awk '{print $3}' | sort | uniq -d)" ] &&
		[ "$(grep -c '^# HELP' "$1")" -eq "$(grep -c '^# TYPE' "$1")" ]
}
unique_series() {
	[ -z "$(grep -v '^#' "$1" | sed 's/ [^ ]*$//' | sort | uniq -d)" ]
}
# Histogram invariants of FAMILY in a scrape: per series, le ascending and
# ending in +Inf, counts cumulative, +Inf equal to _count, _sum present.
hist_ok() { # FILE FAMILY
	awk -v fam="$2" '
	function key(line,   l) { l = line; sub(/^[^{]*\{/, ",", l); sub(/\}[^}]*$/, "", l);
		gsub(/,le="[^"]*"/, "", l); sub(/^,/, "", l); return l }
	function lev(line) { match(line, /[{,]le="[^"]*"/); return substr(line, RSTART + 5, RLENGTH - 6) }
	index($0, fam "_bucket{") == 1 {
		k = key($0); le = lev($0); v = $NF + 0
		if (k in last_le) {
			if (last_le[k] == "+Inf") { print "bucket after +Inf: " k; bad = 1 }
			else if (le != "+Inf" && le + 0 <= last_le[k] + 0) { print "le not ascending: " k " " le; bad = 1 }
			if (v < last_v[k]) { print "not cumulative: " k " le=" le; bad = 1 }
		}
		last_le[k] = le; last_v[k] = v; nb[k]++
		next
	}
	index($0, fam "_count") == 1 { l = $0; sub(/ [^ ]*$/, "", l); k = key(l); cnt[k] = $NF + 0; next }
	index($0, fam "_sum") == 1 { l = $0; sub(/ [^ ]*$/, "", l); k = key(l); sum[k] = 1; next }
	END {
		for (k in last_le) {
			if (last_le[k] != "+Inf") { print "no +Inf: " k; bad = 1 }
			if (!(k in cnt) || cnt[k] != last_v[k]) { print "+Inf != _count: " k; bad = 1 }
			if (!(k in sum)) { print "no _sum: " k; bad = 1 }
			n++
		}
		if (!n) { print "no series of " fam; bad = 1 }
		exit bad
	}' "$1"
}

# ---- export -----------------------------------------------------------------
echo "# export"
bad_eg() { # NAME ARGS...: one line on stderr, exit 2, nothing on stdout
	local name=$1
	shift
	"$W" "$@" > "$T/eg-bad.out" 2> "$T/eg-bad.err"
	local rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l < "$T/eg-bad.err")" -eq 1 ] && [ ! -s "$T/eg-bad.out" ]; then
		ok "bad input: $name"
	else
		nok "bad input: $name" "rc=$rc, stderr: $(head -c 300 "$T/eg-bad.err")"
	fi
}
bad_eg "export without --textfile-dir" export
bad_eg "export into a missing directory" export --textfile-dir /nonexistent-wtstat-dir
bad_eg "export --per-file not a number" export --textfile-dir /tmp --per-file many
bad_eg "gate option given to export" export --textfile-dir /tmp --rule 'anomalies == 0'

if ! command -v promtool > /dev/null || ! command -v prometheus-node-exporter > /dev/null; then
	skip "export: promtool and node_exporter" "install prometheus and prometheus-node-exporter (make deps)"
else
	TF=$T/textfile
	mkdir -p "$TF"
	"$W" export --textfile-dir "$TF" --interval 0.2 --per-file 2 2> "$T/export.err" &
	expid=$!
	eg_pids+=("$expid")
	for _ in $(seq 50); do [ -e "$TF/wtstat.prom" ] && break; sleep 0.1; done
	check "export: writes wtstat.prom at once" "no file: $(tail -1 "$T/export.err")" test -s "$TF/wtstat.prom"

	port=$(free_port)
	prometheus-node-exporter --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
		--collector.textfile --collector.textfile.directory "$TF" > "$T/ne.log" 2>&1 &
	nepid=$!
	eg_pids+=("$nepid")

	mkdir -p "$T/reads"
	# A reader copying the file as fast as it can while it is rewritten
	# every 0.2 s: every copy must be one whole version.
	(
		i=0
		while [ ! -e "$T/reader.stop" ]; do
			cat "$TF/wtstat.prom" > "$T/reads/$i" 2>/dev/null || echo "$i" >> "$T/reads.missing"
			i=$((i + 1))
		done
	) &
	rdpid=$!
	"$LOAD" --scratch --stable 1 --seconds 3 --files 4 > "$T/eg-wl.out" 2>&1
	wldev=$(sed -n 's/.*dev=\([0-9]*:[0-9]*\).*/\1/p' "$T/eg-wl.out")
	sleep 0.5
	touch "$T/reader.stop"
	wait "$rdpid"
	nreads=$(ls "$T/reads" | wc -l)
	partial=0
	for f in "$T"/reads/*; do
		# the textfile always ends with this family's sample line
		if [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" != '\n' ] ||
		   ! tail -n 1 "$f" | grep -q '^wtstat_mappings_tracked [0-9]*$' ||
		   [ "$(grep -c '^# TYPE' "$f")" -ne "$(grep -c '^# HELP' "$f")" ]; then
			partial=$((partial + 1))
		fi
	done
	check "export: a reader saw only whole files ($nreads reads, $partial partial)" "partial files seen" \
		test "$nreads" -gt 50 -a "$partial" -eq 0
	check "export: the file never went missing during rewrites" "reads failed: $(wc -l 2>/dev/null < "$T/reads.missing")" \
		test ! -e "$T/reads.missing"
	rm -rf "$T/reads"

	cp "$TF/wtstat.prom" "$T/live.prom"
	promtool check metrics < "$T/live.prom" > "$T/promtool.out" 2>&1
	rc=$?
	check "export: promtool check metrics exits 0 (rc $rc)" "$(head -c 300 "$T/promtool.out")" test $rc -eq 0
	check "export: no sample timestamps" "a sample line has more than a value" no_timestamps "$T/live.prom"
	check "export: one HELP and TYPE per family" "duplicate HELP/TYPE" one_help_type "$T/live.prom"
	check "export: every series unique" "duplicate series" unique_series "$T/live.prom"
	check "export: histogram invariants in the file" "$(hist_ok "$T/live.prom" wtstat_stable_wait_seconds)" \
		hist_ok "$T/live.prom" wtstat_stable_wait_seconds
	check "export: bucket bounds are 2^(i+1) ns, exactly" "wrong le" \
		grep -q "^wtstat_stable_wait_seconds_bucket{dev=\"$wldev\",le=\"0.000001024\"} " "$T/live.prom"
	check "export: stable waits of the loop device $wldev counted" "none" \
		awk -v d="$wldev" 'index($0, "wtstat_stable_wait_seconds_count{dev=\"" d "\"}") == 1 && $2 > 0 { f = 1 } END { exit !f }' "$T/live.prom"
	nfiles=$(grep -c '^wtstat_file_stable_wait_seconds_count{' "$T/live.prom")
	check "export: per-file series only for the top 2 of 4 files ($nfiles)" "got $nfiles" test "$nfiles" -eq 2
	check "export: file mode 0644" "mode $(stat -c %a "$TF/wtstat.prom")" test "$(stat -c %a "$TF/wtstat.prom")" = 644

	curl -sf "http://127.0.0.1:$port/metrics" > "$T/scrape.txt"
	check "node_exporter: scrape over HTTP" "curl failed: $(tail -2 "$T/ne.log")" test -s "$T/scrape.txt"
	check "node_exporter: node_textfile_scrape_error 0" "$(grep node_textfile_scrape_error "$T/scrape.txt")" \
		grep -qx 'node_textfile_scrape_error 0' "$T/scrape.txt"
	missing=""
	for fam in wtstat_stable_wait_seconds wtstat_stable_wait_max_seconds wtstat_file_stable_wait_seconds \
		   wtstat_writethroughs_begun_total wtstat_writethroughs_ended_total wtstat_writethroughs_in_flight \
		   wtstat_writethroughs_in_flight_max wtstat_stable_mode_seconds_total wtstat_stable_transitions_total \
		   wtstat_anomalies_total wtstat_dropped_events_total wtstat_probe_attached wtstat_mappings_tracked; do
		grep -q "^# TYPE $fam " "$T/scrape.txt" || missing="$missing $fam"
	done
	check "node_exporter: serves every wtstat family" "missing:$missing" test -z "$missing"
	check "node_exporter: histogram invariants on the scraped text" \
		"$(hist_ok "$T/scrape.txt" wtstat_stable_wait_seconds | head -3)" hist_ok "$T/scrape.txt" wtstat_stable_wait_seconds
	check "node_exporter: per-file histogram invariants" \
		"$(hist_ok "$T/scrape.txt" wtstat_file_stable_wait_seconds | head -3)" hist_ok "$T/scrape.txt" wtstat_file_stable_wait_seconds
	check "node_exporter: stable_wait probe gauge with method and target" "missing" \
		grep -Eq '^wtstat_probe_attached\{event="stable_wait",method="[a-z]+",target="[^"]+"\} 1$' "$T/scrape.txt"

	kill -TERM "$expid"
	wait "$expid"
	rc=$?
	check "export: SIGTERM ends it with exit 0 (rc $rc)" "non-zero" test $rc -eq 0
	check "export: leaves only wtstat.prom, no temp file" "$(ls -A "$TF" | tr '\n' ' ')" \
		test "$(ls -A "$TF")" = wtstat.prom
	check "export: the final file is whole after SIGTERM" "bad final file" \
		sh -c "tail -n 1 '$TF/wtstat.prom' | grep -q '^wtstat_mappings_tracked ' && promtool check metrics < '$TF/wtstat.prom'"
	kill -TERM "$nepid"; wait "$nepid" 2>/dev/null
	eg_pids=()

	# File names are the user's: quotes, backslashes, newlines and bytes that
	# are not UTF-8 must come out escaped, and still be accepted.
	"$LOAD" --scratch --stable 1 --seconds 0.1 --keep > "$T/keep.out" 2>&1
	mnt=$(sed -n 's/^mnt=\([^ ]*\) dir=.*/\1/p' "$T/keep.out")
	kdir=$(sed -n 's/^mnt=[^ ]* dir=\(.*\)$/\1/p' "$T/keep.out")
	if [ -z "$mnt" ]; then
		nok "export: escaping test setup" "wtload --keep: $(tail -1 "$T/keep.out")"
	else
		eg_mounts+=("$mnt|$kdir")
		weird=$(printf 'q"b\\s\nnl\xffx y')
		mkdir "$mnt/$weird"
		TF2=$T/textfile2
		mkdir -p "$TF2"
		"$W" export --textfile-dir "$TF2" --interval 0.3 --per-file 10 2> "$T/export2.err" &
		expid=$!
		eg_pids+=("$expid")
		for _ in $(seq 50); do [ -e "$TF2/wtstat.prom" ] && break; sleep 0.1; done
		"$LOAD" --dir "$mnt/$weird" --seconds 2 > /dev/null 2>&1
		sleep 0.6
		kill -TERM "$expid"; wait "$expid"
		eg_pids=()
		# \" and \\ escaped, the newline as \n, 0xff as the text \xff
		check "export: label values escaped (quote, backslash, newline, non-UTF-8)" \
			"$(grep -m1 '^wtstat_file_stable_wait_seconds_count' "$TF2/wtstat.prom")" \
			grep -qF 'file="q\"b\\s\nnl\\xffx y/wtload-0.dat"' "$TF2/wtstat.prom"
		promtool check metrics < "$TF2/wtstat.prom" > "$T/promtool2.out" 2>&1
		check "export: promtool accepts the escaped names" "$(head -c 300 "$T/promtool2.out")" test $? -eq 0
		port=$(free_port)
		prometheus-node-exporter --web.listen-address="127.0.0.1:$port" --collector.disable-defaults \
			--collector.textfile --collector.textfile.directory "$TF2" > "$T/ne2.log" 2>&1 &
		nepid=$!
		eg_pids+=("$nepid")
		for _ in $(seq 30); do curl -sf "http://127.0.0.1:$port/metrics" > "$T/scrape2.txt" && break; sleep 0.2; done
		check "node_exporter: accepts the escaped names (scrape error 0)" \
			"$(grep -E 'node_textfile_scrape_error' "$T/scrape2.txt"; tail -2 "$T/ne2.log")" \
			sh -c "grep -qx 'node_textfile_scrape_error 0' '$T/scrape2.txt' && grep -q '^wtstat_file_stable_wait_seconds_count{.*wtload-0.dat' '$T/scrape2.txt'"
		kill -TERM "$nepid"; wait "$nepid" 2>/dev/null
		eg_pids=()
		eg_cleanup
	fi
fi

# ---- gate ---------------------------------------------------------------------
echo "# gate"
G=$T/gate
mkdir -p "$G"
wl1=("$LOAD" --scratch --stable 1 --seconds 2)
wl0=("$LOAD" --scratch --stable 0 --seconds 2)

"$W" gate --rule 'anomalies == 0' --rule 'dropped == 0' --rule 'stable_wait.count{comm=wtload} > 0' \
	--rule 'stable_wait.p99 < 10s' --rule 'writethrough.inflight_max < 64' \
	--save "$G/pass.json" --junit "$G/pass.xml" -- "${wl1[@]}" > "$G/pass.out" 2> "$G/pass.err"
rc=$?
check "gate: rules that hold pass (rc $rc)" "$(tail -3 "$G/pass.out")" test $rc -eq 0
check "gate: the text report names each rule with its value" "missing" \
	grep -Eq '^PASS +stable_wait.count\{comm=wtload\} > 0 +observed [1-9][0-9]*, bound > 0$' "$G/pass.out"
check "gate: JSON has schema_version, rules, observed values and verdicts" "bad JSON" \
	jq -e '.schema_version == 1 and .kind == "gate" and .verdict == "pass" and .exit_status == 0
	       and (.rules | length) == 5 and all(.rules[]; .verdict == "pass" and (.observed | type) == "number")
	       and (.rules[] | select(.rule | startswith("stable_wait.count")) | .observed > 0)
	       and .report.schema_version == 1 and (.metrics | length) > 10' "$G/pass.json"
if command -v xmllint > /dev/null; then
	check "gate: JUnit XML is well-formed" "xmllint: $(xmllint --noout "$G/pass.xml" 2>&1 | head -2)" \
		xmllint --noout "$G/pass.xml"
else
	skip "gate: JUnit XML is well-formed" "xmllint not installed (libxml2-utils)"
fi
check "gate: JUnit has one test case per rule, plus the command" "wrong count" \
	test "$(grep -c '<testcase ' "$G/pass.xml")" -eq 6 -a "$(grep -c '<failure' "$G/pass.xml")" -eq 0

"$W" gate --rule 'anomalies == 0' --rule 'stable_wait.count{comm=wtload} == 0' \
	--junit "$G/fail.xml" --save "$G/fail.json" -- "${wl1[@]}" > "$G/fail.out" 2> "$G/fail.err"
rc=$?
check "gate: a rule that fails gives exit 1 (rc $rc)" "$(tail -2 "$G/fail.out")" test $rc -eq 1
check "gate: the report says which rule failed, observed and bound" "$(grep FAIL "$G/fail.out")" \
	grep -Eq '^FAIL +stable_wait.count\{comm=wtload\} == 0 +observed [1-9][0-9]*, bound == 0$' "$G/fail.out"
check "gate: JUnit marks only the failed rule" "$(grep -c '<failure' "$G/fail.xml")" \
	test "$(grep -c '<failure type="threshold"' "$G/fail.xml")" -eq 1
check "gate: JSON verdict fail with the failing rule" "bad JSON" \
	jq -e '.verdict == "fail" and .exit_status == 1 and ([.rules[] | select(.verdict == "fail")] | length) == 1' "$G/fail.json"

"$W" gate --rule 'anomalies == 0' --save "$G/cmd.json" -- sh -c 'exit 3' > "$G/cmd.out" 2>&1
rc=$?
check "gate: a failing command fails the gate (rc $rc)" "rc $rc" test $rc -eq 1
check "gate: the report says the command failed" "$(grep command "$G/cmd.out")" \
	grep -Eq '^FAIL +command succeeds +exit status 3$' "$G/cmd.out"
check "gate: JSON records the command's status" "bad" \
	jq -e '.command.exit_status == 3 and .command.passed == false and .verdict == "fail"' "$G/cmd.json"

bad_gate() { # NAME EXPECTED-STDERR-REGEX ARGS...: exit 2, one line, no output files, CMD not run
	local name=$1 re=$2
	shift 2
	rm -f "$G/never.json" "$G/never.xml" "$G/ran"
	"$W" gate --save "$G/never.json" --junit "$G/never.xml" "$@" -- touch "$G/ran" > "$G/bad.out" 2> "$G/bad.err"
	local rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l < "$G/bad.err")" -eq 1 ] && grep -Eq "$re" "$G/bad.err" &&
	   [ ! -e "$G/never.json" ] && [ ! -e "$G/never.xml" ] && [ ! -e "$G/ran" ] &&
	   [ -z "$(ls -A "$G" | grep '^\.never')" ]; then
		ok "gate bad input: $name"
	else
		nok "gate bad input: $name" "rc=$rc, stderr: $(head -c 300 "$G/bad.err")"
	fi
}
bad_gate "unknown unit, offset given" 'character 20: unknown unit "xs"' --rule 'stable_wait.p99 < 2xs'
bad_gate "time without unit" 'character 20: .*give a unit' --rule 'stable_wait.p99 < 2'
bad_gate "unknown metric" 'character 1: unknown metric "stable_waits.p99"' --rule 'stable_waits.p99 < 2ms'
bad_gate "unknown statistic" 'character 13: unknown statistic "p95"' --rule 'stable_wait.p95 < 2ms'
bad_gate "unknown scope key" 'character 17: unknown scope key "disk"' --rule 'stable_wait.p99{disk=7:0} < 2ms'
bad_gate "bad device" 'character 21: dev "sda"' --rule 'stable_wait.p99{dev=sda} < 2ms'
bad_gate "unterminated quote" 'character 24: unterminated quote' --rule 'stable_wait.count{file="abc} < 2'
bad_gate "no comparison" 'character 19: expected a comparison' --rule 'stable_wait.count 5'
bad_gate "percent without baseline" 'character 22: a percentage needs the baseline' --rule 'stable_wait.count < 5%'
bad_gate "anomalies take no scope" 'character 10: anomalies is kept only as a total' --rule 'anomalies{dev=7:0} == 0'
printf '# rules\nanomalies == 0\n\nstable_wait.p99 <= 5 ms\n' > "$G/rules.txt"
bad_gate "rules file: file, line and character" "rules.txt:4: character 21: .*give a unit" \
	--rules "$G/rules.txt"
bad_gate "baseline rule without --baseline" 'no --baseline' --rule 'stable_wait.count <= baseline+10%'
bad_gate "--max-regression without --baseline" 'needs --baseline' --max-regression 10%
echo '{"schema_version":1,"kind":"final"}' > "$G/notgate.json"
bad_gate "baseline that is not a gate document" 'not a gate document' --baseline "$G/notgate.json"
echo '{ broken' > "$G/broken.json"
bad_gate "baseline that is not JSON, offset given" 'not JSON: character 3: ' --baseline "$G/broken.json"
bad_gate "bad --regress-on" 'character 13: unknown statistic "avg"' --baseline "$G/pass.json" \
	--max-regression 10% --regress-on 'stable_wait.avg'
"$W" gate -- /nonexistent/wtstat-cmd > "$G/noexec.out" 2> "$G/noexec.err"
rc=$?
check "gate: a command that cannot start is a tool error (rc $rc)" "$(cat "$G/noexec.err" | tail -1)" \
	sh -c "test $rc -eq 2 && grep -q 'cannot execute' '$G/noexec.err'"

rm -f "$G/int.json"
"$W" gate --rule 'anomalies == 0' --save "$G/int.json" -- sleep 30 > "$G/int.out" 2>&1 &
gpid=$!
sleep 2
kill -INT "$gpid"
wait "$gpid"
rc=$?
check "gate: SIGINT is a tool error, exit 2 (rc $rc)" "rc $rc" test $rc -eq 2
check "gate: SIGINT still prints the report and says no verdict" "$(tail -1 "$G/int.out")" \
	sh -c "grep -q '^=== wtstat' '$G/int.out' && grep -q 'no verdict' '$G/int.out'"
check "gate: SIGINT writes no --save file" "file written" test ! -e "$G/int.json"

# A real regression: the same workload on stable_writes=0 (baseline), then 1.
"$W" gate --rule 'stable_wait.count{comm=wtload} == 0' --save "$G/base0.json" -- "${wl0[@]}" \
	> "$G/base0.out" 2>&1
rc=$?
check "regression: stable_writes=0 baseline saved (rc $rc)" "$(grep -E '^(FAIL|gate)' "$G/base0.out")" \
	sh -c "test $rc -eq 0 && test -s '$G/base0.json'"
regress=(--max-regression 10% --regress-on 'stable_wait.count{comm=wtload},stable_wait.sum{comm=wtload}'
	 --regress-on 'stable_wait.p99{comm=wtload}')
"$W" gate --baseline "$G/base0.json" "${regress[@]}" --save "$G/s1.json" --junit "$G/s1.xml" \
	-- "${wl1[@]}" > "$G/s1.out" 2>&1
rc=$?
check "regression: stable_writes=1 fails --max-regression 10% (rc $rc)" "$(grep -E '^(PASS|FAIL|gate)' "$G/s1.out")" \
	test $rc -eq 1
check "regression: the failing rules show observed, baseline and bound" "$(grep FAIL "$G/s1.out")" \
	grep -Eq '^FAIL +stable_wait.count\{comm=wtload\} <= baseline\+10% +observed [1-9][0-9]*, bound <= 0 \(baseline 0 \+10%' "$G/s1.out"
check "regression: JSON rules carry baseline and percent" "bad" \
	jq -e '[.rules[] | select(.relative != null and .relative.percent == 10 and .relative.baseline == 0
		and .verdict == "fail")] | length >= 2' "$G/s1.json"
check "regression: JUnit failure type regression" "none" grep -q '<failure type="regression"' "$G/s1.xml"
"$W" gate --baseline "$G/base0.json" "${regress[@]}" -- "${wl0[@]}" > "$G/s0.out" 2>&1
rc=$?
check "regression: stable_writes=0 passes against its own baseline (rc $rc)" \
	"$(grep -E '^(FAIL|gate)' "$G/s0.out")" test $rc -eq 0
"$W" gate --input "$G/s1.json" --baseline "$G/s1.json" "${regress[@]}" --max-regression 10% \
	> "$G/self.out" 2>&1
rc=$?
check "regression: the stable_writes=1 run passes against itself (rc $rc)" \
	"$(grep -E '^(FAIL|gate)' "$G/self.out")" test $rc -eq 0
"$W" gate --input "$G/s1.json" --baseline "$G/base0.json" "${regress[@]}" > "$G/rejudge.out" 2>&1
rc=$?
check "regression: --input re-judges a saved run the same way (rc $rc)" "rc $rc" test $rc -eq 1

eg_cleanup
if [ "$standalone" -eq 1 ]; then
	echo "$pass passed, $failn failed, $skipn skipped"
	[ "$failn" -eq 0 ]
fi
