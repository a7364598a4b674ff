#!/usr/bin/env bash
# Tracepoint path: stable waits told from other writeback waits by their
# caller. wtstat reads the caller from a stack window above the tracepoint's
# arguments (learned from one unwind per call site); bpftrace's kstack, an
# independent unwinder, classifies the same events. On a stable-writes file,
# wtload's buffered writes wait as stable waits and dd's fsyncs as others:
# both counts must equal bpftrace's. Sourced by run.sh (uses its
# ok/nok/check/skip and $W, $LOAD, $T); runs alone too.
set -uo pipefail

if ! declare -F check > /dev/null; then
	top=$(cd "$(dirname "$0")/../.." && pwd)
	. "$top/tests/live/bpftrace.sh"
	W=$top/wtstat
	LOAD=$top/build/wtload
	T=$(mktemp -d /tmp/wtstat-callers.XXXXXX)
	pass=0 failn=0 skipn=0 n=0
	ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
	nok() { n=$((n + 1)); failn=$((failn + 1)); echo "not ok $n - $1: $2"; }
	skip() { n=$((n + 1)); skipn=$((skipn + 1)); echo "skip $n - $1: $2"; }
	check() { local name=$1 why=$2; shift 2; if "$@" > /dev/null; then ok "$name"; else nok "$name" "$why"; fi; }
	standalone=1
fi

# bpftrace's "@[ frames ]: N" maps -> "N caller": the frame after
# folio_wait_writeback's (the tracepoint's dispatch may come first)
callers_of() {
	awk '/^@\[/ { c = ""; seen = 0; next }
	     /^]: / { print $2, c; next }
	     NF == 1 { fn = $1; sub(/\+.*/, "", fn)
		if (seen == 1) { c = fn; seen = 2 }
		if (fn == "folio_wait_writeback") seen = 1 }' "$1"
}
# the names wtstat treats as stable-wait callers (src/kernel_desc.c)
is_stable_name() {
	case $1 in
	__pfx_* | *trace* | *probestub*) return 1 ;;
	folio_wait_stable | __filemap_get_folio* | *write_begin* | *page_mkwrite* | __iomap_get_folio | iomap_get_folio) return 0 ;;
	esac
	return 1
}

callers_run() {
	local line dev ino file bt ws hold
	# the scratch fs stays mounted until we close wtload's stdin: dd must
	# never write into the bare mount point
	rm -f "$T/cw.in" && mkfifo "$T/cw.in"
	"$LOAD" --scratch --stable 1 --seconds 3 --print-dev --delay 5 --hold-mount-until-stdin-closes \
		< "$T/cw.in" > "$T/cw.out" 2>&1 &
	local wl=$!
	exec {hold}> "$T/cw.in"
	for _ in $(seq 50); do grep -q '^dev=' "$T/cw.out" && break; sleep 0.1; done
	line=$(grep -m1 '^dev=' "$T/cw.out") || { exec {hold}>&-; kill "$wl"; return 1; }
	dev=$(sed 's/.*dev=\([^ ]*\).*/\1/' <<<"$line")
	ino=$(sed 's/.*ino=\([^ ]*\).*/\1/' <<<"$line")
	file=$(sed 's/.*file=\([^ ]*\).*/\1/' <<<"$line")
	bpftrace_start "$T/cw.bt" "tracepoint:writeback:folio_wait_writeback /args->ino == $ino/ { @[kstack(4)] = count(); }"
	bt=$BT_PID
	"$W" --json --dev "$dev" -o "$T/cw.json" 2> "$T/cw.err" &
	ws=$!
	for _ in $(seq 100); do grep -q 'tracing with' "$T/cw.err" && break; sleep 0.1; done
	# dd rewrites the page wtload keeps under writeback, then fsyncs it,
	# while both tracers are attached, until wtload's run is over
	while ! grep -q '^writes=' "$T/cw.out" && kill -0 "$wl" 2> /dev/null; do
		dd if=/dev/zero of="$file" bs=4k count=1 conv=notrunc,fsync status=none 2> /dev/null
	done
	kill -INT "$ws"
	wait "$ws"
	# one SIGINT (it is attached, so it is not lost): printing stacks takes
	# bpftrace a while, and a second SIGINT would cut it short
	kill -INT "$bt"
	for _ in $(seq 150); do kill -0 "$bt" 2> /dev/null || break; sleep 0.1; done
	bpftrace_stop "$bt"
	exec {hold}>&-
	wait "$wl"
	echo "$ino"
}

[ -f "$T/probes.json" ] || "$W" probes --json > "$T/probes.json" 2> /dev/null
if command -v bpftrace > /dev/null && [ "$(jq -r '.probes[] | select(.event=="stable_wait") | .method' "$T/probes.json" 2> /dev/null)" = tracepoint ]; then
	ino=$(callers_run)
	bt_stable=0 bt_other=0
	while read -r cnt caller; do
		if is_stable_name "$caller"; then bt_stable=$((bt_stable + cnt)); else bt_other=$((bt_other + cnt)); fi
	done < <(callers_of "$T/cw.bt")
	m=".mappings[] | select(.ino==${ino:-0})"
	ws_stable=$(jq "[$m | .stable_wait.count] | add // 0" "$T/cw.json" 2> /dev/null)
	ws_other=$(jq "[$m | .other_wait_count] | add // 0" "$T/cw.json" 2> /dev/null)
	check "callers: both kinds of waits happened (stable $bt_stable, other $bt_other by bpftrace)" "the workload made none" \
		test "$bt_stable" -gt 0 -a "$bt_other" -gt 0
	check "callers: stable waits equal bpftrace's by caller ($ws_stable vs $bt_stable)" "counts differ" \
		test "${ws_stable:-x}" = "$bt_stable"
	check "callers: fsync waits counted as other ($ws_other vs $bt_other)" "counts differ" \
		test "${ws_other:-x}" = "$bt_other"
	check "callers: the stack window decides, the unwinder only teaches it" \
		"$(jq -c '.measurement | {callers_by_stack_window, callers_by_unwind}' "$T/cw.json" 2> /dev/null)" \
		jq -e '.measurement | .callers_by_stack_window > 0 and .callers_by_unwind < .callers_by_stack_window' "$T/cw.json"
else
	skip "callers: stable and fsync waits against bpftrace's unwinder" "needs bpftrace and the tracepoint path"
fi

if [ "${standalone:-0}" = 1 ]; then
	if [ "$failn" -eq 0 ]; then rm -rf "$T"; else echo "# files kept in $T"; fi
	echo "$pass passed, $failn failed, $skipn skipped"
	[ "$failn" -eq 0 ]
fi
