#!/usr/bin/env bash
# Live tests on the running kernel, as root: real BPF loads, real loop
# devices with stable_writes, bpftrace as the independent counter.
# Prints "ok|not ok|skip N - name" lines and closes with "N passed, M failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/live/bpftrace.sh"
W=$top/wtstat
LOAD=$top/build/wtload
T=$(mktemp -d /tmp/wtstat-live.XXXXXX)
pass=0 failn=0 skipn=0 n=0
bg_pids=()

cleanup() {
	for p in "${bg_pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); failn=$((failn + 1)); echo "not ok $n - $1: $2"; }
skip() { n=$((n + 1)); skipn=$((skipn + 1)); echo "skip $n - $1: $2"; }
check() { # NAME COND-DESCRIPTION then a command whose status decides
	local name=$1 why=$2
	shift 2
	if "$@" > /dev/null; then ok "$name"; else nok "$name" "$why"; fi
}

if [ "$(id -u)" -ne 0 ]; then
	echo "live tests need root"; echo "0 passed, 1 failed"; exit 1
fi
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null

# What the system holds before: every test that cleans up must return to it.
# BPF programs count only when no live process holds them (a pinned link or
# a legacy kprobe event would keep them): other tools' live programs on a
# shared machine are not ours to judge.
orphan_programs() {
	local held
	held=$(cat /proc/[0-9]*/fdinfo/* 2> /dev/null | sed -n 's/^prog_id:[[:space:]]*//p' | sort -u)
	bpftool prog show -j 2> /dev/null |
		jq -r '.[] | select(.name | test("^(tp_|kprobe_|kretprobe_|fentry_|fexit_)")) | .id' |
		sort -u | comm -23 - <(echo "$held") | wc -l
}
snapshot_state() {
	{
		losetup -a | grep '/wtstat-' | sed 's/ (.*//' | sort
		grep -c ' /tmp/wtstat-' /proc/mounts
		find /tmp -maxdepth 1 -name 'wtstat-??????' | sort
		echo "orphan programs: $(orphan_programs)"
		echo "kprobe events: $(grep -c . /sys/kernel/tracing/kprobe_events 2> /dev/null || echo 0)"
	} 2>/dev/null
}
BASE=$(snapshot_state)
# On failure the difference is printed: what was left behind, or what appeared.
# The kernel frees a closed program a moment later (deferred work), so a
# difference must persist for 3 s to count.
state_clean() {
	local now i
	for i in $(seq 30); do
		now=$(snapshot_state)
		[ "$now" = "$BASE" ] && return 0
		sleep 0.1
	done
	diff <(echo "$BASE") <(echo "$now") | sed 's/^/# state: /' >&2
	return 1
}

# ---- 1. the verifier accepts every program ---------------------------------
while read -r status rest; do
	case $status in
	ok) ok "$rest" ;;
	skip) skip "${rest%%: *}" "${rest#*: }" ;;
	*) nok "${rest%%: *}" "${rest#*: }" ;;
	esac
done < <("$top/build/load_all" | sed -e 's/^not ok /fail /')

# ---- 2. the plan on this kernel --------------------------------------------
"$W" probes --json > "$T/probes.json" 2> "$T/probes.err"
jqp() { jq -e "$1" "$T/probes.json" > /dev/null; }
sw_method=$(jq -r '.probes[] | select(.event=="stable_wait") | .method' "$T/probes.json")
check "probes: stable_wait attached" "got $sw_method" \
	jqp '.probes[] | select(.event=="stable_wait") | .attached == true'
if [ "$sw_method" = tracepoint ]; then
	check "probes: tracepoint path uses sched_switch for latency" "sched_switch not attached" \
		jqp '.probes[] | select(.event=="sched_switch") | .attached == true'
	check "probes: rejected fentry/kprobe candidates carry reasons" "missing reasons" \
		jqp '[.probes[] | select(.event=="stable_wait") | .rejected[] | .reason | length > 0] | all and length == 2'
fi
if ! jq -e '.kernel.i_wt_count' "$T/probes.json" > /dev/null; then
	check "probes: unpatched kernel says writethrough is missing" "no reason" \
		jqp '.probes[] | select(.event=="wt_end") | (.attached == false and (.reason | test("patch")))'
fi
check "probes: set/clear are derived, their helpers reported inlined" "unexpected" \
	jqp '.probes[] | select(.event=="stable_set") | .method == "derived" and ([.rejected[].reason | test("inline")] | all)'
"$W" probes --dry-run --method kprobe --json > "$T/forced.json" 2>/dev/null
check "probes: --method kprobe is honoured in the plan" "fentry still chosen" \
	jq -e '.probes[] | select(.event=="stable_wait") | .method != "fentry"' "$T/forced.json"

# ---- 3. real stable waits, counted against bpftrace -------------------------
# wtload prints the device and inode, then waits so both tracers can attach.
traced_run() { # STABLE OUTJSON BTOUT
	local stable=$1 out=$2 btout=$3 line dev ino
	rm -f "$T/wl.out"	# the previous run's dev= line must not answer for this one
	"$LOAD" --scratch --stable "$stable" --seconds 3 --mmap 1 --print-dev --delay 3 > "$T/wl.out" 2>&1 &
	local wl=$!
	bg_pids+=("$wl")
	for _ in $(seq 50); do grep -q '^dev=' "$T/wl.out" && break; sleep 0.1; done
	line=$(grep -m1 '^dev=' "$T/wl.out") || return 1
	dev=$(sed 's/.*dev=\([^ ]*\).*/\1/' <<<"$line")
	ino=$(sed 's/.*ino=\([^ ]*\).*/\1/' <<<"$line")
	echo "$dev $ino" > "$T/devino"
	bpftrace_start "$btout" "tracepoint:writeback:folio_wait_writeback /args->ino == $ino && args->name == \"$dev\"/ { @n = count(); }"
	local bt=$BT_PID
	bg_pids+=("$bt")
	"$W" --json --dev "$dev" -o "$out" -d 6 2> "$T/ws.err" &
	local ws=$!
	wait "$wl"; wait "$ws"
	bpftrace_stop "$bt"
}

if command -v bpftrace > /dev/null; then
	traced_run 1 "$T/s1.json" "$T/bt1.out"
	read -r dev ino < "$T/devino"
	# bpftrace prints "@n: N" at exit, nothing when it saw no event
	grep -q '^ready' "$T/bt1.out" && bt=$(sed -n 's/^@n: //p' "$T/bt1.out") && bt=${bt:-0}
	ws=$(jq "[.mappings[] | select(.ino==$ino) | .stable_wait.count + .other_wait_count] | add // 0" "$T/s1.json")
	stable=$(jq "[.mappings[] | select(.ino==$ino) | .stable_wait.count] | add // 0" "$T/s1.json")
	check "stable_writes=1: waits seen ($stable)" "expected some" test "${stable:-0}" -gt 10
	check "stable_writes=1: per-file count equals bpftrace's ($ws vs ${bt:-none})" "counts differ" \
		test "${ws:-x}" = "${bt:-y}"
	check "stable_writes=1: file name read from the dentry" "no name" \
		jq -e ".mappings[] | select(.ino==$ino) | .file == \"wtload-0.dat\"" "$T/s1.json"
	check "stable_writes=1: histogram slots sum to the count" "mismatch" \
		jq -e '.totals.stable_wait | ([.histogram[].count] | add) == .count' "$T/s1.json"
	check "stable_writes=1: mapping reported in stable mode" "stable time 0" \
		jq -e ".mappings[] | select(.ino==$ino) | .stable.time_ns > 0" "$T/s1.json"
	check "stable_writes=1: nothing dropped" "drops" \
		jq -e '[.dropped[]] | add == 0' "$T/s1.json"

	traced_run 0 "$T/s0.json" "$T/bt0.out"
	check "stable_writes=0: zero stable waits" "waits seen" \
		jq -e '.totals.stable_wait.count == 0' "$T/s0.json"
else
	skip "stable waits against bpftrace" "bpftrace not installed"
fi

# stable or other by caller, against bpftrace's unwinder: tests/live/callers.sh
. "$top/tests/live/callers.sh"

# ---- 4. run -- CMD -----------------------------------------------------------
"$W" run --json -o "$T/run7.json" -- sh -c 'exit 7' 2>/dev/null
check "run: exits with the command's status" "got $?" test $? -eq 7
check "run: report records the exit status" "missing" jq -e '.command.exit_status == 7' "$T/run7.json"
"$W" run --json -o "$T/runwl.json" -- "$LOAD" --scratch --stable 1 --seconds 2 > /dev/null 2>&1
check "run: traces the command's stable waits" "no waits" \
	jq -e '.totals.stable_wait.count > 0 and ([.processes[] | select(.comm=="wtload")] | length) == 1' "$T/runwl.json"

# ---- 5. filters --------------------------------------------------------------
"$W" run --json --comm nosuchcomm -o "$T/comm.json" -- "$LOAD" --scratch --stable 1 --seconds 1 > /dev/null 2>&1
check "filter --comm: other tasks' waits are not counted" "waits counted" \
	jq -e '.totals.stable_wait.count == 0' "$T/comm.json"
"$W" run --json --comm wtload -o "$T/comm2.json" -- "$LOAD" --scratch --stable 1 --seconds 1 > /dev/null 2>&1
check "filter --comm: the named task's waits are counted" "none counted" \
	jq -e '.totals.stable_wait.count > 0' "$T/comm2.json"

# ---- 6. demo and signals leave nothing behind --------------------------------
"$W" demo --seconds 1 > "$T/demo.out" 2> "$T/demo.err"
check "demo: runs and reports waits" "rc $? / $(tail -1 "$T/demo.err")" grep -q '^stable waits [1-9]' "$T/demo.out"
check "demo: leaves no loop device, mount, directory or BPF program" "state differs" state_clean

"$W" demo --seconds 60 > "$T/demo-int.out" 2>&1 &
dpid=$!
sleep 2.5
kill -INT "$dpid"
wait "$dpid"
rc=$?
check "demo: SIGINT ends it cleanly (rc $rc)" "non-zero exit" test $rc -eq 0
check "demo: SIGINT still prints the final report" "no report" grep -q '^=== wtstat' "$T/demo-int.out"
check "demo: SIGINT leaves nothing behind" "state differs" state_clean

"$W" -d 60 > "$T/term.out" 2>&1 &
lpid=$!
sleep 1.5
kill -TERM "$lpid"
wait "$lpid"
rc=$?
check "live: SIGTERM ends it with the final report (rc $rc)" "no report" grep -q '^=== wtstat' "$T/term.out"
check "live: SIGTERM detaches every program" "state differs" state_clean

"$W" -d 60 > /dev/null 2>&1 &
kpid=$!
sleep 1.5
kill -KILL "$kpid"; wait "$kpid" 2>/dev/null
sleep 0.5
check "live: SIGKILL leaves no program attached" "state differs" state_clean

# ---- 7. bad input: one line, exit 2, no partial file -------------------------
bad() { # NAME ARGS...
	local name=$1
	shift
	"$W" "$@" > "$T/bad.out" 2> "$T/bad.err"
	local rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l < "$T/bad.err")" -eq 1 ] && [ ! -s "$T/bad.out" ]; then
		ok "bad input: $name"
	else
		nok "bad input: $name" "rc=$rc, stderr: $(head -c 200 "$T/bad.err")"
	fi
}
bad "zero interval" -i 0
bad "negative duration" -d -5
bad "absurd top" --top 99999999
bad "unknown flag" --frobnicate
bad "unknown command" frobnicate
bad "malformed --probe" --probe wt_end
bad "unknown method in --probe" --probe wt_end=uprobe:x
bad "missing --file" --file /nonexistent/file
bad "bad --dev" --dev 7-0
WTSTAT_TASK_SLOTS=3 bad "WTSTAT_TASK_SLOTS not a power of two" -d 1
WTSTAT_TASK_SLOTS=0 bad "WTSTAT_TASK_SLOTS zero" -d 1
bad "run without a command" run
bad "unwritable --output" -d 1 -o /nonexistent-dir/out.json
check "bad input: no partial output file" "file left" test ! -e /nonexistent-dir/out.json

# ---- 8. export and gate: tests/live/export_gate.sh -----------------------------
. "$top/tests/live/export_gate.sh"
check "export and gate leave no loop device, mount, directory or BPF program" "state differs" state_clean
. "$top/tests/live/exporter_safety.sh"	# symlinks, full disk, mode, stale temp files

# ---- 8b. privileges, BTF, tracefs, signals, capabilities: tests/live/reliability.sh
. "$top/tests/live/reliability.sh"

# ---- 9. dirty throttling: tests/live/dirty.sh -----------------------------------
. "$top/tests/live/dirty.sh"
check "dirty tests restore vm.dirty_bytes and vm.dirty_ratio" "limits changed" \
	test "$(cat /proc/sys/vm/dirty_bytes /proc/sys/vm/dirty_ratio)" = "$old_bytes"$'\n'"$old_ratio"
check "dirty tests leave no loop device, mount or BPF program" "state differs" state_clean
. "$top/tests/live/pressure.sh"	# more files and processes than the tables hold; short soak
check "pressure tests leave no loop device, mount or BPF program" "state differs" state_clean

echo "$pass passed, $failn failed, $skipn skipped"
[ "$failn" -eq 0 ]
