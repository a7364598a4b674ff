#!/usr/bin/env bash
# Dirty-throttling sleeps, made real: a tiny vm.dirty_bytes and a streaming
# writer on a private loop file system. bpftrace counts the same tracepoint
# (pauses that sleep) as the independent witness. Sourced by run.sh (uses
# its ok/nok/check/skip and $W, $T); runs alone too.
set -uo pipefail

if ! declare -F check > /dev/null; then
	top=$(cd "$(dirname "$0")/../.." && pwd)
	. "$top/tests/live/bpftrace.sh"
	W=$top/wtstat
	T=$(mktemp -d /tmp/wtstat-dirty.XXXXXX)
	pass=0 failn=0 skipn=0 n=0
	ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
	nok() { n=$((n + 1)); failn=$((failn + 1)); echo "not ok $n - $1: $2"; }
	skip() { n=$((n + 1)); skipn=$((skipn + 1)); echo "skip $n - $1: $2"; }
	check() { local name=$1 why=$2; shift 2; if "$@" > /dev/null; then ok "$name"; else nok "$name" "$why"; fi; }
	standalone=1
fi

dirty_fs_up() {
	truncate -s 512M "$T/dirty.img"
	DLOOP=$(losetup -f --show "$T/dirty.img") || return 1
	mkfs.ext4 -q -F "$DLOOP" > /dev/null || return 1
	mkdir -p "$T/dmnt" && mount "$DLOOP" "$T/dmnt"
}
dirty_fs_down() {
	umount "$T/dmnt" 2> /dev/null
	[ -n "${DLOOP:-}" ] && losetup -d "$DLOOP" 2> /dev/null
	rm -f "$T/dirty.img"
}

old_bytes=$(cat /proc/sys/vm/dirty_bytes)
old_bg=$(cat /proc/sys/vm/dirty_background_bytes)
old_ratio=$(cat /proc/sys/vm/dirty_ratio)
old_bg_ratio=$(cat /proc/sys/vm/dirty_background_ratio)
restore_dirty_limits() {
	# writing a *_bytes value zeroes its *_ratio twin: restore whichever was set
	if [ "$old_bytes" != 0 ]; then echo "$old_bytes" > /proc/sys/vm/dirty_bytes; else echo "$old_ratio" > /proc/sys/vm/dirty_ratio; fi
	if [ "$old_bg" != 0 ]; then echo "$old_bg" > /proc/sys/vm/dirty_background_bytes; else echo "$old_bg_ratio" > /proc/sys/vm/dirty_background_ratio; fi
}

if ! command -v bpftrace > /dev/null; then
	skip "dirty throttling against bpftrace" "bpftrace not installed"
elif ! dirty_fs_up; then
	nok "dirty throttling: scratch file system" "could not make one"
	dirty_fs_down
else
	dev=$(lsblk -no MAJ:MIN "$DLOOP" | tr -d ' ')
	# witness: pauses that sleep, of dd, on this device
	bpftrace_start "$T/bt.out" "tracepoint:writeback:balance_dirty_pages /args->pause > 0 && comm == \"dd\"/ { @all = count(); } tracepoint:writeback:balance_dirty_pages /args->pause > 0 && comm == \"dd\" && args->bdi == \"$dev\"/ { @n = count(); @ms = sum(args->pause); }" ||
		nok "dirty throttle: bpftrace ready" "$(tail -n 2 "$T/bt.out")"
	bt=$BT_PID
	echo 1048576 > /proc/sys/vm/dirty_background_bytes
	echo 2097152 > /proc/sys/vm/dirty_bytes
	"$W" run --json --comm dd -o "$T/thr.json" -- dd if=/dev/zero of="$T/dmnt/big" bs=1M count=150 2> "$T/thr.err"
	restore_dirty_limits
	bpftrace_stop "$bt"
	btn=$(sed -n 's/^@n: //p' "$T/bt.out")
	btall=$(sed -n 's/^@all: //p' "$T/bt.out")
	btms=$(sed -n 's/^@ms: //p' "$T/bt.out")
	# dd may also be throttled against other devices' writeback (the root
	# disk): the witness counts this device, so compare this device
	c=$(jq "[.devices[] | select(.dev==\"$dev\") | .dirty_throttle.count] | add // 0" "$T/thr.json")
	sum=$(jq "[.devices[] | select(.dev==\"$dev\") | .dirty_throttle.sum_ns] | add // 0" "$T/thr.json")
	check "dirty throttle: sleeps seen with a tiny vm.dirty_bytes ($c)" "none" test "${c:-0}" -gt 0
	# a pause whose task was woken before it slept is counted apart
	all=$(jq '.totals.dirty_throttle.count + .measurement.throttle_without_sleep' "$T/thr.json")
	check "dirty throttle: sleeps plus non-sleeps equal bpftrace's pauses ($all vs ${btall:-0})" "differ" \
		test "${all:-x}" = "${btall:-0}"
	check "dirty throttle: sleeps on the device within bpftrace's count ($c of ${btn:-0})" "more than seen" \
		test "${c:-1}" -le "${btn:-0}" -a "${c:-0}" -ge $(( ${btn:-0} * 9 / 10 ))
	# measured sleep against the pauses the kernel planned (ms): same order
	check "dirty throttle: time slept matches the planned pauses (${sum}ns vs ${btms}ms)" "off" \
		awk -v s="${sum:-0}" -v p="${btms:-0}" 'BEGIN { r = s / (p * 1e6 + 1); exit !(r > 0.5 && r < 4) }'
	check "dirty throttle: totals equal the sum over devices and over processes" "mismatch" \
		jq -e '.totals.dirty_throttle.count as $t | ([.devices[].dirty_throttle.count] | add) == $t and ([.processes[].dirty_throttle.count] | add) == $t' "$T/thr.json"
	check "dirty throttle: ordinary writers, not writethrough" "wrong" \
		jq -e '.totals.dirty_throttle.writethrough_writers == 0' "$T/thr.json"
	check "dirty drift: says it needs writethrough events here" "no reason" \
		jq -e '.totals.dirty_drift.available == false and (.probes[] | select(.event=="dirty_drift") | .reason | test("writethrough"))' "$T/thr.json"

	rm -f "$T/dmnt/big"
	sync
	"$W" run --json --comm dd -o "$T/gen.json" -- dd if=/dev/zero of="$T/dmnt/small" bs=1M count=20 2> /dev/null
	check "dirty throttle: none with generous limits" "sleeps seen" \
		jq -e '.totals.dirty_throttle.count == 0' "$T/gen.json"
	dirty_fs_down
fi

if [ "${standalone:-0}" = 1 ]; then	# export_gate.sh sets it to 0 when sourced
	[ -n "${KEEP:-}" ] || rm -rf "$T"
	echo "$pass passed, $failn failed, $skipn skipped"
	[ "$failn" -eq 0 ]
fi
