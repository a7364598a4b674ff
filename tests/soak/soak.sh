#!/usr/bin/env bash
# Soak: 'wtstat export' under a churning workload (files created, rewritten
# with stable waits, deleted) on a stable_writes=1 loop device, for
# SOAK_SECONDS (default 300). Every SOAK_SAMPLE seconds (default 5) it
# samples the exporter's resident memory (VmRSS), open file descriptors
# and the memlock of its BPF maps, and at the end prints the samples.
#
# Flat means: after a warm-up (the first tenth of the run, at least two
# samples), the samples are cut in quarters, and the last quarter's maximum
# may exceed the first quarter's maximum by at most SOAK_RSS_SLACK_KB
# (default 1024) for RSS and by nothing for descriptors and map memory.
# The per-file table is small (SOAK_MAPPINGS, default 1024) so that churn
# fills it early and the run spends most of its time full.
#
# Root only. Exit 0 flat, 1 not flat (or the exporter failed), 2 setup error.
# Last line: "soak: PASS|FAIL ..." with the figures.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
W=$top/wtstat
LOAD=$top/build/wtload
PRESS=$top/build/wtpress
SECS=${SOAK_SECONDS:-300}
SAMPLE=${SOAK_SAMPLE:-5}
MAPS=${SOAK_MAPPINGS:-1024}
SLACK=${SOAK_RSS_SLACK_KB:-1024}

die() { echo "soak: $*" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || die "needs root (BPF, loop devices, mounts)"
for x in "$W" "$LOAD" "$PRESS"; do [ -x "$x" ] || die "$x missing: run make first"; done
case $SECS$SAMPLE in *[!0-9]*) die "SOAK_SECONDS and SOAK_SAMPLE must be whole seconds" ;; esac
[ "$SECS" -ge $((SAMPLE * 8)) ] || die "SOAK_SECONDS=$SECS is too short: give at least 8 samples (SOAK_SAMPLE=$SAMPLE)"

T=$(mktemp -d /tmp/wtstat-soak.XXXXXX)
pids=() mnt="" kdir=""
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -TERM "$p" 2> /dev/null && wait "$p" 2> /dev/null; done
	if [ -n "$mnt" ]; then umount "$mnt" 2> /dev/null || umount -l "$mnt"; rm -rf "$kdir"; fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$LOAD" --scratch --stable 1 --seconds 0.05 --keep > "$T/keep.out" 2>&1 || die "scratch fs: $(tail -1 "$T/keep.out")"
mnt=$(sed -n 's/^mnt=\([^ ]*\) dir=.*/\1/p' "$T/keep.out")
kdir=$(sed -n 's/^mnt=[^ ]* dir=\(.*\)$/\1/p' "$T/keep.out")
dev=$(grep -m1 -o 'dev=[0-9]*:[0-9]*' "$T/keep.out" | cut -d= -f2)
[ -n "$mnt" ] && [ -n "$dev" ] || die "scratch fs: no mount in $(tail -1 "$T/keep.out")"
mkdir "$mnt/churn" "$T/tf"

"$W" export --textfile-dir "$T/tf" --interval 1 --dev "$dev" --max-mappings "$MAPS" 2> "$T/export.err" &
exp=$!
pids+=("$exp")
for _ in $(seq 100); do [ -f "$T/tf/wtstat.prom" ] && break; sleep 0.1; done
[ -f "$T/tf/wtstat.prom" ] || die "the exporter wrote nothing: $(tail -1 "$T/export.err")"
# File systems reuse a deleted file's inode number and wtstat keys files by
# device and inode: twice the table's size in live files fills it.
"$PRESS" churn "$mnt/churn" "$SECS" $((MAPS * 2)) > "$T/churn.out" 2>&1 &
churn=$!
pids+=("$churn")

# map memory: the memlock of every BPF map the exporter holds open
map_bytes() {
	local f mem=0
	for f in /proc/"$1"/fdinfo/*; do
		grep -q '^map_id:' "$f" 2> /dev/null || continue
		mem=$((mem + $(sed -n 's/^memlock:[[:space:]]*//p' "$f")))
	done
	echo "$mem"
}
prom() { sed -n "s/^$1 //p" "$T/tf/wtstat.prom" | head -1; }

printf '%6s %9s %4s %10s %8s %10s\n' t_s rss_kB fds map_bytes mappings dropped > "$T/samples"
start=$(date +%s)
while kill -0 "$churn" 2> /dev/null; do
	sleep "$SAMPLE"
	kill -0 "$exp" 2> /dev/null || break
	printf '%6d %9d %4d %10d %8s %10s\n' $(($(date +%s) - start)) \
		"$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$exp/status)" \
		"$(ls /proc/$exp/fd | wc -l)" "$(map_bytes "$exp")" \
		"$(prom wtstat_mappings_tracked)" "$(prom 'wtstat_dropped_events_total{reason="mapping_table_full"}')" >> "$T/samples"
done
wait "$churn"; churn_rc=$?
kill -0 "$exp" 2> /dev/null; exp_alive=$?
kill -TERM "$exp"; wait "$exp"; exp_rc=$?
pids=()
cat "$T/samples"
echo "workload: $(cat "$T/churn.out")"

# judge: columns 2-4 (rss, fds, map bytes) of the samples after warm-up
verdict=$(awk -v slack="$SLACK" -v secs="$SECS" '
	NR == 1 { next }
	{ t[++n] = $1; v[n, 2] = $2; v[n, 3] = $3; v[n, 4] = $4 }
	END {
		w = 0; while (w < n && t[w + 1] < secs / 10) w++
		if (w < 2) w = 2
		m = n - w; q = int(m / 4)
		if (q < 1) { print "FAIL too few samples after warm-up (" m ")"; exit }
		split("rss_kB fds map_bytes", name, " ")
		for (c = 2; c <= 4; c++) {
			f = 0; l = 0
			for (i = w + 1; i <= w + q; i++) if (v[i, c] > f) f = v[i, c]
			for (i = n - q + 1; i <= n; i++) if (v[i, c] > l) l = v[i, c]
			s = c == 2 ? slack : 0
			out = out sprintf(" %s %d->%d", name[c - 1], f, l)
			if (l > f + s) bad = bad " " name[c - 1]
		}
		print (bad ? "FAIL grew:" bad ";" : "PASS") out " (max of first and last quarter after " w " warm-up samples)"
	}' "$T/samples")
last_drop=$(tail -n 1 "$T/samples" | awk '{ print $6 }')
temps=$(find "$T/tf" -name '.wtstat.prom.*' | wc -l)
promtool_ok=1
if command -v promtool > /dev/null; then promtool check metrics < "$T/tf/wtstat.prom" > /dev/null 2>&1 || promtool_ok=0; fi
problems=""
[ "$churn_rc" -eq 0 ] || problems="$problems workload exit $churn_rc;"
[ "$exp_alive" -eq 0 ] && [ "$exp_rc" -eq 0 ] || problems="$problems exporter died or exit $exp_rc: $(tail -1 "$T/export.err");"
[ "$temps" -eq 0 ] || problems="$problems $temps temp files left;"
[ "$promtool_ok" -eq 1 ] || problems="$problems last file fails promtool;"
[ "${last_drop:-0}" -gt 0 ] || problems="$problems the table never filled (no drops): the run did not test a full table;"
if [ -z "$problems" ] && [ "${verdict%% *}" = PASS ]; then
	echo "soak: PASS ${SECS}s: ${verdict#PASS }; drops at the end $last_drop"
	exit 0
fi
echo "soak: FAIL ${SECS}s: ${verdict}${problems:+;$problems}"
exit 1
