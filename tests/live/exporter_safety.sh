#!/usr/bin/env bash
# Live tests of the metrics file's safety, as root, on a running
# 'wtstat export': symlinks planted at the final name and at the temp names
# are never written through, temp files of a killed exporter are cleaned
# up, the file is 0644 and the caller's under umask 077, and a full disk
# (a tiny tmpfs) keeps the last good file, says so once, counts the failed
# intervals and recovers when space returns.
#
# Sourced by tests/live/run.sh (its ok/nok/check helpers and counters are
# used), or run alone: then it prints its own "N passed, M failed" line.
set -uo pipefail

if ! declare -F ok > /dev/null; then
	es_standalone=1
	top=$(cd "$(dirname "$0")/../.." && pwd)
	W=$top/wtstat
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
	trap 'es_cleanup; rm -rf "$T"' EXIT
	if [ "$(id -u)" -ne 0 ]; then
		echo "live tests need root"; echo "0 passed, 1 failed"; exit 1
	fi
else
	es_standalone=0
fi

es_pids=()
es_mounts=()
es_cleanup() {
	local p m
	for p in "${es_pids[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	es_pids=()
	for m in "${es_mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
	es_mounts=()
}

# es_start DIR ERRFILE [extra shell before exec]: an exporter every 0.2 s under
# umask 077; ES_PID is its pid (the shell's, kept by exec, so the shell may
# plant files under that pid before the exporter starts)
es_start() {
	local dir=$1 errf=$2 pre=${3:-}
	sh -c "umask 077; $pre exec \"\$0\" export --textfile-dir \"\$1\" --interval 0.2 --per-file 3" \
		"$W" "$dir" 2> "$errf" &
	ES_PID=$!
	es_pids+=("$ES_PID")
	[ "$es_standalone" = 1 ] || bg_pids+=("$ES_PID")	# run.sh kills them if it is stopped
}

# es_wait_file PATH: until PATH is a regular file (5 s)
es_wait_file() {
	for _ in $(seq 50); do [ -f "$1" ] && [ ! -L "$1" ] && return 0; sleep 0.1; done
	return 1
}

# es_wait_line FILE REGEX: until a line of FILE matches (10 s)
es_wait_line() {
	for _ in $(seq 100); do grep -Eq "$2" "$1" && return 0; sleep 0.1; done
	return 1
}

es_temps() { find "$1" -maxdepth 1 -name '.wtstat.prom.*.tmp' ! -type l | wc -l; }
es_value() { sed -n "s/^$2 //p" "$1"; }

ES=$T/safety
mkdir -p "$ES/dir"
printf 'precious\n' > "$ES/victim"
printf 'also precious\n' > "$ES/victim2"
cp "$ES/victim" "$ES/victim.orig"
cp "$ES/victim2" "$ES/victim2.orig"

# ---- a symlink at the final name, leftovers of killed exporters ----------------
ln -s "$ES/victim2" "$ES/dir/wtstat.prom"
# a dead pid's temp file (the pid of a finished process), and one with the
# exporter's own pid (a namesake from before a restart, as in a container)
sh -c 'exit 0' & deadpid=$!
wait "$deadpid"
printf 'half a file' > "$ES/dir/.wtstat.prom.$deadpid.0.tmp"
es_start "$ES/dir" "$ES/e1.err" 'printf x > "$1/.wtstat.prom.$$.0.tmp"; ln -s '"$ES/victim"' "$1/.wtstat.prom.$$.1.tmp";'
if ! es_wait_file "$ES/dir/wtstat.prom"; then
	nok "exporter safety: first file" "none written: $(head -c 300 "$ES/e1.err")"
else
	check "exporter safety: a symlink at the final name is replaced, not followed" "victim2 changed or link kept" \
		sh -c "cmp -s '$ES/victim2' '$ES/victim2.orig' && [ ! -L '$ES/dir/wtstat.prom' ]"
	check "exporter safety: the new file is valid (promtool)" "$(promtool check metrics < "$ES/dir/wtstat.prom" 2>&1 | head -c 300)" \
		sh -c "promtool check metrics < '$ES/dir/wtstat.prom'"
	check "exporter safety: mode 0644 under umask 077" "mode $(stat -c %a "$ES/dir/wtstat.prom")" \
		test "$(stat -c %a "$ES/dir/wtstat.prom")" = 644
	check "exporter safety: owned by the caller" "owner $(stat -c %u:%g "$ES/dir/wtstat.prom")" \
		test "$(stat -c %u:%g "$ES/dir/wtstat.prom")" = "$(id -u):$(id -g)"
	check "exporter safety: killed exporters' temp files removed at start" "$(ls -A "$ES/dir" | tr '\n' ' ')" \
		test "$(ls -A "$ES/dir")" = wtstat.prom
	check "exporter safety: the symlink at a temp name was not followed" "victim changed" \
		cmp -s "$ES/victim" "$ES/victim.orig"
	check "exporter safety: starts with 0 write failures" "$(grep failures_total "$ES/dir/wtstat.prom")" \
		test "$(es_value "$ES/dir/wtstat.prom" wtstat_export_write_failures_total)" = 0

	# ---- symlinks at the temp names it is about to use ---------------------
	# Names are .wtstat.prom.PID.SEQ.tmp with SEQ one per attempt, 100
	# attempts an interval. Planted while the exporter is stopped (it would
	# outrun a slow planter), 600 names cover several intervals.
	kill -STOP "$ES_PID"
	for s in $(seq 0 600); do ln -s "$ES/victim" "$ES/dir/.wtstat.prom.$ES_PID.$s.tmp" 2> /dev/null; done
	kill -CONT "$ES_PID"
	es_wait_line "$ES/e1.err" 'writing works again after [0-9]+ failed intervals'
	sleep 0.5
	check "exporter safety: planted temp-name symlinks: victim untouched" "victim changed" \
		cmp -s "$ES/victim" "$ES/victim.orig"
	check "exporter safety: taken temp names reported once, with the fix" "$(grep -c 'exist: remove them' "$ES/e1.err") lines" \
		test "$(grep -c 'exist: remove them' "$ES/e1.err")" -eq 1
	check "exporter safety: it goes on past the taken names" "$(tail -2 "$ES/e1.err")" \
		grep -Eq 'writing works again after [1-9][0-9]* failed intervals' "$ES/e1.err"
	fails=$(es_value "$ES/dir/wtstat.prom" wtstat_export_write_failures_total)
	said=$(sed -n 's/.*works again after \([0-9]*\) failed.*/\1/p' "$ES/e1.err" | tail -1)
	check "exporter safety: the file counts the failed intervals ($fails, said $said)" "differ" \
		test "${fails:-x}" = "${said:-y}"
	check "exporter safety: the planted links are left alone" "$(find "$ES/dir" -type l | wc -l) links" \
		test "$(find "$ES/dir" -type l | wc -l)" -eq 601
	find "$ES/dir" -type l -delete
fi
kill -TERM "$ES_PID"; wait "$ES_PID"; rc=$?
check "exporter safety: SIGTERM exits 0 (rc $rc)" "non-zero" test "$rc" -eq 0
check "exporter safety: no temp file left" "$(ls -A "$ES/dir" | tr '\n' ' ')" test "$(ls -A "$ES/dir")" = wtstat.prom

# ---- a full disk -----------------------------------------------------------------
mkdir -p "$ES/tiny"
if ! mount -t tmpfs -o size=512k,mode=0755 wtstat-tiny "$ES/tiny"; then
	skip "exporter safety: full disk" "cannot mount a tmpfs"
else
	es_mounts+=("$ES/tiny")
	es_start "$ES/tiny" "$ES/e2.err"
	if ! es_wait_file "$ES/tiny/wtstat.prom"; then
		nok "exporter safety: full disk: first file" "$(head -c 300 "$ES/e2.err")"
	else
		dd if=/dev/zero of="$ES/tiny/fill" bs=4k 2> /dev/null
		es_wait_line "$ES/e2.err" 'No space left on device'
		sleep 0.6	# three more intervals fail
		cp "$ES/tiny/wtstat.prom" "$ES/full1.prom"
		sleep 0.6
		check "exporter safety: full disk: the last good file stays" "it changed" \
			cmp -s "$ES/tiny/wtstat.prom" "$ES/full1.prom"
		check "exporter safety: full disk: the kept file is valid (promtool)" \
			"$(promtool check metrics < "$ES/full1.prom" 2>&1 | head -c 300)" \
			sh -c "promtool check metrics < '$ES/full1.prom'"
		check "exporter safety: full disk: no temp file left" "$(es_temps "$ES/tiny")" \
			test "$(es_temps "$ES/tiny")" -eq 0
		check "exporter safety: full disk: one error line, not one per interval" \
			"$(grep -c 'No space' "$ES/e2.err") lines" test "$(grep -c 'No space' "$ES/e2.err")" -eq 1
		check "exporter safety: full disk: the line says what and that it keeps the file" "$(grep 'No space' "$ES/e2.err")" \
			grep -q '^wtstat: export: writing .*/tiny/\.wtstat\.prom\..*: No space left on device (keeping the last file' "$ES/e2.err"
		rm -f "$ES/tiny/fill"
		es_wait_line "$ES/e2.err" 'writing works again after [0-9]+ failed intervals'
		sleep 0.5
		said=$(sed -n 's/.*works again after \([0-9]*\) failed.*/\1/p' "$ES/e2.err" | tail -1)
		fails=$(es_value "$ES/tiny/wtstat.prom" wtstat_export_write_failures_total)
		check "exporter safety: full disk: recovers when space returns" "$(tail -2 "$ES/e2.err")" \
			sh -c "! cmp -s '$ES/tiny/wtstat.prom' '$ES/full1.prom' && promtool check metrics < '$ES/tiny/wtstat.prom'"
		check "exporter safety: full disk: failed intervals exposed ($fails, said $said)" "differ or 0" \
			test "${fails:-0}" -ge 3 -a "${fails:-x}" = "${said:-y}"
	fi
	kill -TERM "$ES_PID"; wait "$ES_PID"
	umount "$ES/tiny" && es_mounts=()
fi
es_cleanup

if [ "$es_standalone" = 1 ]; then
	echo "$pass passed, $failn failed, $skipn skipped"
	[ "$failn" -eq 0 ]
fi
