#!/usr/bin/env bash
# bench/vm.sh [--reps N] [--timeout S]: per-event BPF cost of wtstat's
# kprobe and fentry paths, measured inside the VM lab (tests/vm: Debian's
# kernel under qemu TCG, busybox initramfs). Uses the lab's scripts as they
# are (fetch-kernel.sh, build-initramfs.sh, run-vm.sh) with a payload of its
# own: static wtstat, empty_loader, rewrite, progstat, Debian's bpftrace with
# its libraries and bench/vm-guest.sh as the VM's /payload/run.sh. TCG
# distorts absolute times: only the ratios (wtstat / empty program, wtstat /
# bpftrace on the same hook) mean something.
#
# Prints one JSON object on stdout: {"status", "kernel", "records": [...]}
# with records shaped like bench/run.sh's "cost" records (plus "path").
# Work files: build/bench/vm/ (results/console.log when the VM fails).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
W=${WTSTAT:-$top/wtstat}	# WTSTAT=path measures another (static) build
LAB=$top/tests/vm
BUILD=${WT_BUILD:-$top/build}
CACHE=$BUILD/vm-cache
WORK=$BUILD/bench/vm
REPS=3 TIMEOUT=1500
while [ $# -gt 0 ]; do
	case $1 in
	--reps) REPS=$2; shift ;;
	--timeout) TIMEOUT=$2; shift ;;
	*) echo "usage: $0 [--reps N] [--timeout S]" >&2; exit 2 ;;
	esac
	shift
done
die() { echo "bench/vm: error: $*" >&2; exit 1; }
log() { echo "bench/vm: $*" >&2; }

for f in fetch-kernel.sh build-initramfs.sh run-vm.sh; do
	[ -x "$LAB/$f" ] || die "the VM lab's $f is missing"
done
for b in "$W" "$BUILD/bench/empty_loader" "$BUILD/bench/rewrite" "$BUILD/bench/progstat"; do
	[ -x "$b" ] || die "missing $b (make bench-bins)"
	readelf -l "$b" 2>/dev/null | grep -q 'Requesting program interpreter' && die "$b is not static"
done

KVER=$("$LAB/fetch-kernel.sh" "$CACHE" ${SUITE:+"$SUITE"}) || die "fetch-kernel.sh failed"
KENV=$CACHE/kernel-$KVER/env
# shellcheck disable=SC1090
. "$KENV"
"$LAB/build-initramfs.sh" base "$KENV" "$CACHE/initramfs-$KVER-base.cpio" >&2 || die "base initramfs failed"

rm -rf "$WORK"
mkdir -p "$WORK/payload/bin" "$WORK/payload/payload"
install -m 0755 "$W" "$WORK/payload/bin/wtstat"
install -m 0755 "$BUILD/bench/empty_loader" "$BUILD/bench/rewrite" "$BUILD/bench/progstat" "$WORK/payload/bin/"
install -m 0644 "$top/bench/vm-guest.sh" "$WORK/payload/payload/run.sh"
install -m 0644 "$top/bench/equivalent-kprobe.bt" "$top/bench/equivalent-fentry.bt" "$WORK/payload/payload/"
# bpftrace, the peer, is Debian's: the binary and every library it loads,
# at the paths it loads them from (about 200 MB, most of it LLVM and clang)
BT=$(command -v bpftrace) || die "bpftrace is missing (the peer of the VM's runs too)"
for f in "$BT" $(ldd "$BT" | awk '/=> \//{print $3} /^\t\//{print $1}'); do
	install -D -m 0755 "$(readlink -f "$f")" "$WORK/payload$f"
done
"$LAB/build-initramfs.sh" payload "$WORK/payload" "$WORK/payload.cpio" >&2 || die "payload initramfs failed"
cat "$CACHE/initramfs-$KVER-base.cpio" "$WORK/payload.cpio" > "$WORK/initrd.cpio"
rm -rf "$WORK/payload" "$WORK/payload.cpio"	# 200 MB each, in initrd.cpio now

log "booting $KVER under TCG ($REPS run$([ "$REPS" = 1 ] || echo s) per path, in whole rounds of its orders; this takes minutes)"
rc=0
"$LAB/run-vm.sh" "$VMLINUX" "$WORK/initrd.cpio" "$WORK/results" "$TIMEOUT" "BENCH_REPS=$REPS" >&2 || rc=$?
RES=$WORK/results/results.log
[ -s "$RES" ] || die "the VM wrote no results (run-vm status $rc; see ${WORK#"$top"/}/results/console.log)"
grep '^# bench' "$RES" >&2 || true
grep -q '^@@bench {"status":"done"}' "$RES" ||
	die "the VM did not finish the benchmark (run-vm status $rc): $(grep -E '^@@bench \{"(path|status)' "$RES" | grep status | tail -n 1)"

# per path and run: deltas point 0 -> 1 (stable_writes_1) and 1 -> 2 (stable_writes_0)
sed -n 's/^@@bench //p' "$RES" | jq -s --arg kver "$KVER" '
	(map(select(.kernel)) | first) as $info
	| [map(select(.point != null)) | group_by([.path, .rep])[] | sort_by(.point) as $p
	   | select(($p | length) == 3)
	   | range(0; 2) as $i
	   | ($p[$i].progs | map({key: (.id | tostring), value: .}) | from_entries) as $A
	   | {part: "cost", path: $p[0].path, rep: $p[0].rep,
	      phase: (if $i == 0 then "stable_writes_1" else "stable_writes_0" end),
	      workload: $p[$i + 1].workload,
	      progs: [$p[$i + 1].progs[] | . + {
		run_cnt: (.run_cnt - ($A[.id | tostring].run_cnt // 0)),
		run_time_ns: (.run_time_ns - ($A[.id | tostring].run_time_ns // 0))}]}] as $recs
	| {status: (if ($recs | length) > 0 then "measured" else "no complete run" end),
	   kernel: ($info.kernel // $kver), vm_nproc: $info.nproc,
	   writes_per_run: {stable_writes_1: $info.writes_stable_1, stable_writes_0: $info.writes_stable_0},
	   notes: [map(select(.status and .path)) | .[] | "\(.path): \(.status)"],
	   records: $recs}'
