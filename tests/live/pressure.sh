#!/usr/bin/env bash
# Live tests of wtstat under table pressure, as root, on a loop device with
# stable_writes=1, with bpftrace counting the same tracepoint per inode:
#
#  - far more files than --max-mappings holds: memory stays what a small
#    run takes, every wait is either attributed or counted as dropped, and
#    every file wtstat names has exactly bpftrace's count for its inode and
#    the name that inode has on disk;
#  - a burst of short-lived writers, more than the process table holds:
#    per-process waits plus process_table_full drops equal the total;
#  - the same writers sharing one pending-wait slot (WTSTAT_TASK_SLOTS=1):
#    the waits that spill into the pending hash are all counted and ended.
#
#  - a short soak (tests/soak/soak.sh for PRESSURE_SOAK_SECONDS, 24).
#
# PRESSURE_FILES (default 200000), PRESSURE_MAPPINGS (1024), PRESSURE_PROCS
# (8000) size it. Sourced by tests/live/run.sh, or run alone.
set -uo pipefail

if ! declare -F ok > /dev/null; then
	pr_standalone=1
	top=$(cd "$(dirname "$0")/../.." && pwd)
	. "$top/tests/live/bpftrace.sh"
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
	trap 'pr_cleanup; rm -rf "$T"' EXIT
	if [ "$(id -u)" -ne 0 ]; then
		echo "live tests need root"; echo "0 passed, 1 failed"; exit 1
	fi
else
	pr_standalone=0
fi
PRESS=$top/build/wtpress
PR_FILES=${PRESSURE_FILES:-200000}
PR_MAPS=${PRESSURE_MAPPINGS:-1024}
PR_PROCS=${PRESSURE_PROCS:-8000}
# bpftrace keeps 4096 keys a map by default; it must hold every inode
export BPFTRACE_MAP_KEYS_MAX=$((PR_FILES + PR_PROCS + 4096))

pr_pids=()
pr_mounts=()
pr_cleanup() {
	local p m
	for p in "${pr_pids[@]}"; do kill -INT "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	pr_pids=()
	for m in "${pr_mounts[@]}"; do
		umount "${m%%|*}" 2>/dev/null || umount -l "${m%%|*}" 2>/dev/null
		rm -rf "${m#*|}"
	done
	pr_mounts=()
}

# pr_scratch: a fresh stable_writes=1 file system; sets PR_MNT and PR_DEV
pr_scratch() {
	local out=$T/pr-keep.out kdir
	# a page and an inode a file: 512 MB holds about 90 000 of them
	local mb=$((PR_FILES * 8 / 1024 + 256))
	[ "$mb" -ge 512 ] || mb=512
	"$LOAD" --scratch --stable 1 --size-mb "$mb" --seconds 0.05 --keep > "$out" 2>&1 || return 1
	PR_MNT=$(sed -n 's/^mnt=\([^ ]*\) dir=.*/\1/p' "$out")
	kdir=$(sed -n 's/^mnt=[^ ]* dir=\(.*\)$/\1/p' "$out")
	[ -n "$PR_MNT" ] || return 1
	pr_mounts+=("$PR_MNT|$kdir")
	PR_DEV=$(grep -m1 -o 'dev=[0-9]*:[0-9]*' "$out" | cut -d= -f2)
	mkdir "$PR_MNT/p"
}

# pr_memory PID: "VmHWM_kB map_memlock_bytes" of a running wtstat
pr_memory() {
	local pid=$1 hwm mem=0 f
	hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status")
	for f in /proc/"$pid"/fdinfo/*; do
		grep -q '^map_id:' "$f" 2> /dev/null || continue
		mem=$((mem + $(sed -n 's/^memlock:[[:space:]]*//p' "$f")))
	done
	echo "$hwm $mem"
}

# pr_wtstat NAME ARGS...: wtstat ARGS in the background (stderr in
# $T/NAME.err, pid in PR_WS, stopped by pr_cleanup and run.sh); returns
# once it has attached
pr_wtstat() {
	local name=$1
	shift
	"$W" "$@" 2> "$T/$name.err" &
	PR_WS=$!
	pr_pids+=("$PR_WS")
	[ "$pr_standalone" = 1 ] || bg_pids+=("$PR_WS")
	for _ in $(seq 300); do grep -q '^wtstat: tracing with' "$T/$name.err" && break; sleep 0.1; done
}

# pr_traced NAME WORKLOAD...: wtstat (JSON, every table entry shown) and
# bpftrace (per-inode count on the device) around WORKLOAD; leaves
# $T/NAME.json (final document), $T/NAME.bt (bpftrace), $T/NAME.mem
pr_traced() {
	local name=$1 ws bt
	shift
	bpftrace_start "$T/$name.bt" "tracepoint:writeback:folio_wait_writeback /args->name == \"$PR_DEV\"/ { @ino[args->ino] = count(); @total = count(); }" ||
		return 1
	bt=$BT_PID
	pr_pids+=("$bt")
	[ "$pr_standalone" = 1 ] || bg_pids+=("$bt")	# run.sh kills them if it is stopped
	pr_wtstat "$name" --json -i 2 --dev "$PR_DEV" --top 100000 --max-mappings "$PR_MAPS" -o "$T/$name.ndjson"
	ws=$PR_WS
	"$@" > "$T/$name.out" 2>&1
	echo "workload rc $?" >> "$T/$name.out"
	sleep 0.5	# the last waits end (switch-in) before the tracers stop
	pr_memory "$ws" > "$T/$name.mem"
	kill -INT "$ws"; wait "$ws"
	bpftrace_stop "$bt" "$T/$name.bt"
	pr_pids=()
	tail -n 1 "$T/$name.ndjson" > "$T/$name.json"
	# "@ino[INODE]: COUNT" lines -> "INODE COUNT"
	sed -n 's/^@ino\[\([0-9]*\)\]: \([0-9]*\)$/\1 \2/p' "$T/$name.bt" | sort -k1,1 > "$T/$name.bt-ino"
}

pr_bt_total() { local t; t=$(sed -n 's/^@total: //p' "$1"); echo "${t:-0}"; }

if ! command -v bpftrace > /dev/null; then
	skip "pressure tests" "bpftrace not installed"
elif ! pr_scratch; then
	nok "pressure: scratch file system" "$(tail -1 "$T/pr-keep.out")"
else
	# ---- more files than the table holds -------------------------------------
	echo "# pressure: $PR_FILES files, table $PR_MAPS ($(date +%T))"
	small=$((PR_MAPS / 2))
	mkdir "$PR_MNT/small" "$PR_MNT/big"
	pr_traced small "$PRESS" files "$PR_MNT/small" "$small"
	pr_traced big "$PRESS" files "$PR_MNT/big" "$PR_FILES"
	check "pressure: the workloads ran" "$(cat "$T/small.out" "$T/big.out" | tr '\n' ' ')" \
		sh -c "grep -qx 'workload rc 0' '$T/small.out' && grep -qx 'workload rc 0' '$T/big.out'"
	bt_total=$(pr_bt_total "$T/big.bt")
	bt_sum=$(awk '{ s += $2 } END { print s + 0 }' "$T/big.bt-ino")
	bt_inodes=$(wc -l < "$T/big.bt-ino")
	check "pressure: bpftrace's per-inode map held every inode ($bt_sum of $bt_total waits, $bt_inodes inodes)" \
		"its map overflowed" test "$bt_sum" -eq "$bt_total"
	check "pressure: waits on far more files than the table holds ($bt_inodes > $PR_MAPS)" "too few" \
		test "$bt_inodes" -gt $((PR_MAPS * 4))
	read -r stable other tracked dropped attributed < <(jq -r '[.totals.stable_wait.count, .totals.other_wait_count,
		.mappings_total, .dropped.mapping_table_full,
		([.mappings[] | .stable_wait.count + .other_wait_count] | add // 0)] | @tsv' "$T/big.json")
	check "pressure: the table filled up ($tracked of $PR_MAPS) and drops were counted ($dropped)" "not full or no drops" \
		test "$tracked" -eq "$PR_MAPS" -a "$dropped" -gt 0
	check "pressure: every wait counted: stable $stable + other $other = bpftrace $bt_total" "differ" \
		test $((stable + other)) -eq "$bt_total"
	check "pressure: attributed $attributed + dropped $dropped = bpftrace $bt_total" "waits lost silently" \
		test $((attributed + dropped)) -eq "$bt_total"
	# every file wtstat names: bpftrace's count for its inode, and the name
	# that inode has on disk
	jq -r '.mappings[] | "\(.ino) \(.stable_wait.count + .other_wait_count) \(.file)"' "$T/big.json" "$T/small.json" |
		sort -k1,1 > "$T/pr-named"
	cat "$T/small.bt-ino" "$T/big.bt-ino" | sort -k1,1 > "$T/pr-bt"
	find "$PR_MNT/small" "$PR_MNT/big" -type f -printf '%i %f\n' | sort -k1,1 > "$T/pr-disk"
	wrong=$(join "$T/pr-named" "$T/pr-bt" | awk '$2 != $4' | wc -l)
	unknown=$(join -v 1 "$T/pr-named" "$T/pr-bt" | wc -l)
	misnamed=$(join -j 1 "$T/pr-named" "$T/pr-disk" | awk '$3 != $4' | wc -l)
	named=$(wc -l < "$T/pr-named")
	check "pressure: each of $named files has bpftrace's count for its inode ($wrong differ, $unknown unknown)" \
		"$(join "$T/pr-named" "$T/pr-bt" | awk '$2 != $4' | head -3 | tr '\n' ';')" \
		test "$wrong" -eq 0 -a "$unknown" -eq 0 -a "$named" -gt "$PR_MAPS"
	check "pressure: each named file has its inode's name on disk ($misnamed differ)" \
		"$(join -j 1 "$T/pr-named" "$T/pr-disk" | awk '$3 != $4' | head -3 | tr '\n' ';')" test "$misnamed" -eq 0
	read -r hwm_s mem_s < "$T/small.mem"
	read -r hwm_b mem_b < "$T/big.mem"
	check "pressure: BPF map memory the same at $small and $PR_FILES files ($mem_s, $mem_b bytes)" "grew" \
		test "$mem_b" -eq "$mem_s" -a "$mem_s" -gt 0
	# the big run reads a full table (twice the small run's rows) every
	# interval: a few MiB more at most, not a size that follows the files
	check "pressure: peak RSS bounded: $hwm_s kB at $small files, $hwm_b kB at $PR_FILES" "grew by more than 8 MiB" \
		test "$hwm_b" -le $((hwm_s + 8192))

	# A table sized for a million files but holding few: only the slots in
	# use are mapped into wtstat, so its RSS does not follow --max-mappings
	# (the whole array mapped would be 624 MB of RSS).
	pr_wtstat wide --json -i 1 --dev "$PR_DEV" --max-mappings 1000000 -o "$T/wide.ndjson"
	ws=$PR_WS
	"$PRESS" files "$PR_MNT/wide" 64 > /dev/null 2>&1
	sleep 2.5	# intervals read the table
	pr_memory "$ws" > "$T/wide.mem"
	kill -INT "$ws"; wait "$ws"
	pr_pids=()
	read -r hwm_w mem_w < "$T/wide.mem"
	check "pressure: a table for 1000000 files ($mem_w bytes of BPF map) adds no RSS: $hwm_w kB vs $hwm_s kB at $PR_MAPS slots" \
		"RSS follows the table size" test "$hwm_w" -le $((hwm_s + 8192)) -a "$mem_w" -gt 600000000

	# ---- a burst of short-lived writers ---------------------------------------
	echo "# pressure: $PR_PROCS short-lived writers ($(date +%T))"
	pr_traced procs "$PRESS" procs "$PR_MNT/p" "$PR_PROCS" 8
	bt_total=$(pr_bt_total "$T/procs.bt")
	read -r stable other procs_shown pdropped psum tdropped < <(jq -r '[.totals.stable_wait.count, .totals.other_wait_count,
		(.processes | length), .dropped.process_table_full,
		([.processes[].stable_wait.count] | add // 0), .dropped.pending_table_full] | @tsv' "$T/procs.json")
	check "pressure: burst of $PR_PROCS writers ran" "$(tail -2 "$T/procs.out" | tr '\n' ' ')" \
		sh -c "grep -q 'processes=$PR_PROCS .*failed=0' '$T/procs.out' && grep -qx 'workload rc 0' '$T/procs.out'"
	check "pressure: the process table overflowed ($procs_shown kept, $pdropped waits dropped)" "no overflow" \
		test "$pdropped" -gt 0
	inprog=$(jq '.totals.waits_in_progress' "$T/procs.json")
	# a wait still shown in progress at the end is reported, not lost; one
	# that never ends is a bug of its own (checked below)
	check "pressure: burst: stable $stable + other $other + in progress $inprog = bpftrace $bt_total" "differ" \
		test $((stable + other + inprog)) -eq "$bt_total"
	# a process's drop is counted when its wait begins, so a wait still in
	# progress may already be in process_table_full
	check "pressure: burst: per-process $psum + dropped $pdropped = total $stable (+ up to $inprog in progress)" \
		"waits lost silently" test $((psum + pdropped)) -ge "$stable" -a $((psum + pdropped)) -le $((stable + inprog))
	check "pressure: burst: no wait lost for want of a pending slot" "$tdropped" test "$tdropped" -eq 0
	# the kernel now and then runs a sleeper again without a sched_switch
	# naming it; wtstat ends such a wait when it sees the task run
	inferred=$(jq '.measurement.sleep_ends_inferred' "$T/procs.json")
	check "pressure: burst: no wait left in progress after the writers exited ($inferred ends inferred)" \
		"$inprog still in progress" test "$inprog" -eq 0

	# ---- writers sharing one pending-wait slot ---------------------------------
	# WTSTAT_TASK_SLOTS=1 gives every task the same slot: while one waits,
	# the others' waits go to the pending hash (as when two tasks' slots
	# collide), and every one of them must still be counted and ended.
	nsh=$((PR_PROCS / 4))
	echo "# pressure: $nsh writers sharing one pending-wait slot ($(date +%T))"
	mkdir "$PR_MNT/s"
	WTSTAT_TASK_SLOTS=1 pr_traced shared "$PRESS" procs "$PR_MNT/s" "$nsh" 8
	bt_total=$(pr_bt_total "$T/shared.bt")
	read -r stable other inprog spilled tdropped < <(jq -r '[.totals.stable_wait.count, .totals.other_wait_count,
		.totals.waits_in_progress, .measurement.waits_spilled, .dropped.pending_table_full] | @tsv' "$T/shared.json")
	check "pressure: shared slot: $nsh writers ran" "$(tail -2 "$T/shared.out" | tr '\n' ' ')" \
		sh -c "grep -q 'processes=$nsh .*failed=0' '$T/shared.out' && grep -qx 'workload rc 0' '$T/shared.out'"
	check "pressure: shared slot: $spilled of $stable waits went to the pending hash" "none did" \
		test "$spilled" -gt 0 -a "$spilled" -lt "$stable"
	check "pressure: shared slot: stable $stable + other $other + in progress $inprog = bpftrace $bt_total" "differ" \
		test $((stable + other + inprog)) -eq "$bt_total"
	check "pressure: shared slot: no wait dropped ($tdropped) or left in progress ($inprog)" "lost or stuck" \
		test "$tdropped" -eq 0 -a "$inprog" -eq 0
	jq -r '.mappings[] | "\(.ino) \(.stable_wait.count + .other_wait_count)"' "$T/shared.json" | sort -k1,1 > "$T/sh-named"
	wrong=$(join "$T/sh-named" "$T/shared.bt-ino" | awk '$2 != $3' | wc -l)
	unknown=$(join -v 1 "$T/sh-named" "$T/shared.bt-ino" | wc -l)
	named=$(wc -l < "$T/sh-named")
	check "pressure: shared slot: each of $named files has bpftrace's count for its inode ($wrong differ, $unknown unknown)" \
		"$(join "$T/sh-named" "$T/shared.bt-ino" | awk '$2 != $3' | head -3 | tr '\n' ';')" \
		test "$wrong" -eq 0 -a "$unknown" -eq 0 -a "$named" -gt 0

	# ---- a deleted file's inode number given to a new file ---------------------
	# Two incarnations of one inode number, each counted by its own bpftrace
	# run: wtstat keeps them apart by i_generation, in JSON and the textfile.
	echo "# pressure: inode number reuse ($(date +%T))"
	mkdir "$PR_MNT/r" "$T/reuse-prom"
	"$W" export --textfile-dir "$T/reuse-prom" -i 0.5 --per-file 10 --dev "$PR_DEV" 2> "$T/reuse-export.err" &
	we=$!
	pr_pids+=("$we")
	[ "$pr_standalone" = 1 ] || bg_pids+=("$we")
	pr_wtstat reuse --json -i 2 --dev "$PR_DEV" --top 100000 -o "$T/reuse.ndjson"
	ws=$PR_WS
	for life in 1 2; do
		bpftrace_start "$T/reuse$life.bt" "tracepoint:writeback:folio_wait_writeback /args->name == \"$PR_DEV\"/ { @ino[args->ino] = count(); }" ||
			nok "pressure: bpftrace for life $life of the inode" "did not start: $(tail -n 2 "$T/reuse$life.bt" | tr '\n' ' ')"
		"$LOAD" --dir "$PR_MNT/r" --seconds 1 > "$T/reuse$life.out" 2>&1
		sleep 0.5
		bpftrace_stop "$BT_PID" "$T/reuse$life.bt"
		f=$PR_MNT/r/wtload-0.dat
		echo "$(stat -c %i "$f") $(lsattr -v "$f" 2> /dev/null | awk '{ print $1 }')" > "$T/reuse$life.id"
		rm -f "$f"
		sync
	done
	sleep 1.2	# one more textfile after the last waits
	kill -INT "$ws" "$we"; wait "$ws" "$we"
	pr_pids=()
	tail -n 1 "$T/reuse.ndjson" > "$T/reuse.json"
	read -r ino1 gen1 < "$T/reuse1.id"
	read -r ino2 gen2 < "$T/reuse2.id"
	if [ "$ino1" != "$ino2" ] || [ -z "$gen1" ] || [ "$gen1" = "$gen2" ]; then
		skip "pressure: a reused inode number is a new row" \
			"the file system gave the new file inode $ino2 generation ${gen2:-?} (the old one: $ino1, ${gen1:-?})"
	else
		for life in 1 2; do
			eval "gen=\$gen$life"
			bt=$(sed -n "s/^@ino\[$ino1\]: //p" "$T/reuse$life.bt")
			got=$(jq "[.mappings[] | select(.ino == $ino1 and .generation == $gen) |
				.stable_wait.count + .other_wait_count] | add // 0" "$T/reuse.json")
			check "pressure: inode $ino1, life $life (generation $gen): $got waits = bpftrace's ${bt:-0}" "differ" \
				test "$got" -eq "${bt:-0}" -a "${bt:-0}" -gt 0
		done
		check "pressure: inode $ino1's two lives are two rows" "$(jq -c "[.mappings[] | select(.ino == $ino1)]" "$T/reuse.json" | head -c 300)" \
			jq -e "[.mappings[] | select(.ino == $ino1)] | length == 2" "$T/reuse.json"
		prom=$T/reuse-prom/wtstat.prom
		check "pressure: the textfile has a series for each life of inode $ino1, none twice" \
			"$(grep "^wtstat_file_stable_wait_seconds_count" "$prom" | head -3 | tr '\n' ';')" \
			sh -c "test \$(grep -c '^wtstat_file_stable_wait_seconds_count{.*ino=\"$ino1\"' '$prom') -eq 2 &&
				test -z \"\$(grep -v '^#' '$prom' | sed 's/ [^ ]*\$//' | sort | uniq -d)\""
	fi
fi
pr_cleanup

# ---- a short soak: make soak runs the same for minutes ---------------------------
echo "# pressure: short soak ($(date +%T))"
SOAK_SECONDS=${PRESSURE_SOAK_SECONDS:-24} SOAK_SAMPLE=2 "$top/tests/soak/soak.sh" > "$T/soak.out" 2>&1
rc=$?
sed -n '1,/^workload:/p' "$T/soak.out" | sed 's/^/# /'
check "soak (short): $(tail -n 1 "$T/soak.out")" "rc $rc" test "$rc" -eq 0

if [ "$pr_standalone" = 1 ]; then
	echo "$pass passed, $failn failed, $skipn skipped"
	[ "$failn" -eq 0 ]
fi
