#!/usr/bin/env bash
# bench/run.sh: wtstat's benchmark suite (`make bench`, `make bench-smoke`).
#
#   bench/run.sh [--smoke] [--reps N] [--out FILE] [--parts cost,slowdown,user,vm]
#
# N (default 6) should be even: the order in which the tools attach, which
# matters, alternates between runs.
#
# Parts (README.md, "Performance"):
#   cost      per-event BPF cost with kernel.bpf_stats_enabled=1: wtstat, an
#             empty program on the same hooks (bench/empty.bpf.c) and the
#             bpftrace equivalent (bench/equivalent.bt), all attached at once
#             during the same workload; run_time_ns/run_cnt from bpftool
#   slowdown  the 4 KiB rewrite workload (bench/rewrite.c) untraced, with
#             wtstat, with bpftrace; stable_writes 1 and 0; runs alternate;
#             judged on wall time less the writer's run-queue wait, by the
#             95% interval of the median ratio
#   user      one full interval cycle at 1k/10k/100k mappings (bench/cycle.c,
#             as the loop runs it and in one thread, judged less run-queue wait),
#             CPU share of `wtstat export -i 1` and `wtstat -i 1` with 10k live
#             mappings, RSS, BPF map memory
#   vm        kprobe/fentry per-event cost in the VM lab (bench/vm.sh), when
#             the lab's scripts are there; ratios only
#
# Every figure is a median over repeated runs, with min and max. Writes
# bench/results.json (smoke: build/bench/results-smoke.json) and the table
# (results.txt beside it), and ends with "bench: N of M targets met ...".
# Exit status: 1 when a target is missed (smoke: never), 2 when the harness
# itself fails.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
W=${WTSTAT:-$top/wtstat}	# WTSTAT=path measures another build
B=$top/build/bench
SMOKE=0 REPS=6 OUT= PARTS=cost,slowdown,user,vm

usage() { sed -n '2,/^set -uo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) SMOKE=1 ;;
	--reps) REPS=${2:-}; shift ;;
	--out) OUT=${2:-}; shift ;;
	--parts) PARTS=${2:-}; shift ;;
	*) usage ;;
	esac
	shift
done
[[ $REPS =~ ^[1-9][0-9]*$ ]] || usage
if [ $SMOKE = 1 ]; then
	REPS=1
	OUT=${OUT:-$top/build/bench/results-smoke.json}
	COST_S=0.3 SLOW_S=0.3 CPU_S=1 SETTLE_S=1.2 CYCLE_NS="1000 10000" CYCLE_REPS=2
else
	OUT=${OUT:-$top/bench/results.json}
	COST_S=1.0 SLOW_S=0.5 CPU_S=20 SETTLE_S=2.5 CYCLE_NS="1000 10000 100000" CYCLE_REPS=7
fi
# the noisiest figure gets more rounds: its interval of the median narrows
# with their square root (21 rounds: the 6th to the 16th smallest ratio)
SLOW_ROUNDS=$((SMOKE ? 3 : 4 * REPS + 1))
TXT=${OUT%.json}.txt
has_part() { [[ ",$PARTS," == *",$1,"* ]]; }

log() { echo "bench: $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 2; }

[ "$(id -u)" -eq 0 ] || die "needs root (BPF, loop devices, kernel.bpf_stats_enabled)"
for t in jq bpftool bpftrace timeout mkfifo; do
	command -v $t > /dev/null || die "missing $t (make deps installs it)"
done
for b in "$W" "$B/empty_loader" "$B/rewrite" "$B/cycle"; do
	[ -x "$b" ] || die "missing $b: run make bench-bins"
done

T=$(mktemp -d /tmp/wtstat-bench.XXXXXX)
RAW=$T/raw.ndjson
: > "$RAW"
declare -A WL_FD WL_PID TR_PID TR_HOLDER
STATS_WAS=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)

cleanup() {
	local n
	for n in "${!TR_PID[@]}"; do kill -INT "${TR_PID[$n]}" 2>/dev/null; done
	for n in "${!WL_FD[@]}"; do
		eval "exec ${WL_FD[$n]}>&-"
	done
	for n in "${!WL_PID[@]}"; do wait "${WL_PID[$n]}" 2>/dev/null; done
	for n in "${!TR_PID[@]}"; do wait "${TR_PID[$n]}" 2>/dev/null; done
	sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS" 2>/dev/null
	mkdir -p "$top/build/bench"
	cp "$RAW" "$top/build/bench/raw$([ $SMOKE = 1 ] && echo -smoke).ndjson" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

raw() { echo "$1" >> "$RAW"; }

# wait_for FILE REGEX SECONDS [PID]: until a line matches (or PID dies)
wait_for() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		[ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null && return 1
		sleep 0.05
	done
	return 1
}

# ---- the workload: one rewrite server per stable_writes value ---------------
# the loop image on tmpfs: writeback then never waits for a real disk
WL_TMP=/tmp
[ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] && WL_TMP=/dev/shm

wl_start() { # NAME STABLE
	local fifo=$T/$1.in fd
	mkfifo "$fifo"
	TMPDIR=$WL_TMP "$B/rewrite" --scratch --stable "$2" --pages 1 < "$fifo" > "$T/$1.out" 2> "$T/$1.err" &
	WL_PID[$1]=$!
	exec {fd}> "$fifo"
	WL_FD[$1]=$fd
	wait_for "$T/$1.out" '^ready' 60 "${WL_PID[$1]}" ||
		die "the rewrite workload did not start: $(tail -n 3 "$T/$1.err")"
	raw "$(jq -cn --arg l "$(grep -m1 '^ready' "$T/$1.out")" --arg n "$1" '{part:"workload",name:$n,ready:$l}')"
}

wl_cmd() { # NAME CMD -> the JSON answer
	local n fd=${WL_FD[$1]}
	n=$(grep -c '^{' "$T/$1.out")
	echo "$2" >&"$fd"
	while [ "$(grep -c '^{' "$T/$1.out")" -le "$n" ]; do
		kill -0 "${WL_PID[$1]}" 2>/dev/null || die "the rewrite workload died: $(tail -n 3 "$T/$1.err")"
		sleep 0.01
	done
	grep '^{' "$T/$1.out" | tail -n 1 | tee -a "$T/$1.log" | grep -v '"error"' ||
		die "the rewrite workload failed: $(grep '^{' "$T/$1.out" | tail -n 1)"
}

# writes that take about S seconds (after a warm-up of that length)
wl_size() { # NAME S
	local j
	j=$(wl_cmd "$1" "seconds $2") || exit 2
	jq -r --argjson s "$2" '[(.writes_per_s * $s | floor), 1000] | max' <<< "$j"
}

# ---- tracers -----------------------------------------------------------------
# prog ids a process holds (its fdinfo), one per line
prog_ids() { grep -hs '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -un; }

LIMIT=1800	# no tracer outlives a harness that dies by this many seconds

tr_start() { # wtstat|empty|loads|reference|bpftrace [wtstat args...]
	local t=$1 i p
	shift
	case $t in
	wtstat)
		timeout -s INT $LIMIT "$W" "$@" > "$T/wtstat.out" 2> "$T/wtstat.err" &
		TR_PID[wtstat]=$!
		wait_for "$T/wtstat.err" '^wtstat: (tracing with|export:)' 60 "${TR_PID[wtstat]}" ||
			die "wtstat did not attach: $(tail -n 3 "$T/wtstat.err")"
		TR_HOLDER[wtstat]=$(pgrep -P "${TR_PID[wtstat]}" -x wtstat | head -n1)
		[ -n "${TR_HOLDER[wtstat]}" ] || die "wtstat exited: $(tail -n 3 "$T/wtstat.err")"
		;;
	empty)
		# it dies with this shell (PR_SET_PDEATHSIG)
		"$B/empty_loader" --hooks rawtp,tp > "$T/empty.out" 2>&1 &
		TR_PID[empty]=$! TR_HOLDER[empty]=$!
		wait_for "$T/empty.out" '^ready' 30 "${TR_PID[empty]}" ||
			die "the empty programs did not attach: $(cat "$T/empty.out")"
		;;
	loads)
		"$B/empty_loader" --hooks load > "$T/loads.out" 2>&1 &
		TR_PID[loads]=$! TR_HOLDER[loads]=$!
		wait_for "$T/loads.out" '^ready' 30 "${TR_PID[loads]}" ||
			die "the loads-only reference did not attach: $(cat "$T/loads.out")"
		;;
	reference)
		"$B/empty_loader" --hooks rawtp,stack > "$T/ref.out" 2>&1 &
		TR_PID[reference]=$! TR_HOLDER[reference]=$!
		wait_for "$T/ref.out" '^ready' 30 "${TR_PID[reference]}" ||
			die "the reference programs did not attach: $(cat "$T/ref.out")"
		;;
	bpftrace)
		timeout -s INT $LIMIT bpftrace "$top/bench/equivalent.bt" > "$T/bt.out" 2>&1 &
		TR_PID[bpftrace]=$!
		for ((i = 0; i < 600; i++)); do
			p=$(pgrep -P "${TR_PID[bpftrace]}" -x bpftrace | head -n1)
			# attached when bpftool sees both perf-event attachments of its pid
			[ -n "$p" ] && [ "$(bpftool perf show -j 2>/dev/null |
				jq --argjson p "$p" '[.[] | select(.pid == $p)] | length')" -ge 2 ] && break
			kill -0 "${TR_PID[bpftrace]}" 2>/dev/null || die "bpftrace failed: $(tail -n 3 "$T/bt.out")"
			sleep 0.05
		done
		[ "$i" -lt 600 ] || die "bpftrace did not attach in 30 s: $(tail -n 3 "$T/bt.out")"
		TR_HOLDER[bpftrace]=$p
		;;
	esac
}

tr_stop() { # TOOL
	local i
	kill -INT "${TR_PID[$1]}" 2>/dev/null
	# bpftrace 0.17 can take the SIGINT just before it sleeps in
	# epoll_wait() and sleep on (one run of this bench hung 7 minutes so).
	# It gets another until it exits, sent to it directly: once, 50 more
	# sent through `timeout` in 10 s did not wake it, one sent to bpftrace
	# itself did at once. Past 10 s it is killed, and the log says so.
	if [ "$1" = bpftrace ]; then
		for ((i = 0; i < 50; i++)); do
			sleep 0.2
			kill -0 "${TR_PID[$1]}" 2>/dev/null || break
			kill -INT "${TR_HOLDER[$1]}" 2>/dev/null
		done
		if kill -0 "${TR_PID[$1]}" 2>/dev/null; then
			log "bpftrace ignored SIGINT for 10 s: killed"
			kill -KILL "${TR_HOLDER[$1]}" 2>/dev/null
		fi
	fi
	wait "${TR_PID[$1]}" 2>/dev/null
	unset "TR_PID[$1]" "TR_HOLDER[$1]"
}

# JSON {"wtstat":[ids],...} of the running tracers
owners() {
	local t
	for t in "${!TR_HOLDER[@]}"; do
		jq -cn --arg t "$t" --argjson ids "[$(prog_ids "${TR_HOLDER[$t]}" | paste -sd, -)]" '{($t): $ids}'
	done | jq -cs 'add // {}'
}

# Per-program deltas of run_cnt and run_time_ns between two `bpftool prog
# show -j`, with the hook of each program from `bpftool perf show -j`
# (tracepoints, raw tracepoints, kprobes; fentry/fexit are named by section).
prog_delta() { # BEFORE AFTER OWNERS PERF
	jq -cn --slurpfile a "$1" --slurpfile b "$2" --argjson own "$3" --slurpfile perf "$4" '
		($a[0] | map({key: (.id | tostring), value: .}) | from_entries) as $A
		| ($perf[0] | map({key: (.prog_id | tostring), value: .}) | from_entries) as $P
		| [$own | to_entries[] | .key as $tool | .value[] as $id
		   | ($b[0][] | select(.id == $id)) as $p
		   | ($P[$id | tostring] // {}) as $at
		   | {tool: $tool, id: $id, name: $p.name, type: $p.type,
		      kind: ({raw_tracepoint: "raw_tp", tracepoint: "tracepoint", kprobe: "kprobe",
			      kretprobe: "kretprobe", uprobe: "uprobe", uretprobe: "uretprobe"}[$at.fd_type // ""] // null),
		      event: ($at.tracepoint // $at.func // null),
		      run_cnt: (($p.run_cnt // 0) - ($A[$id | tostring].run_cnt // 0)),
		      run_time_ns: (($p.run_time_ns // 0) - ($A[$id | tostring].run_time_ns // 0))}]'
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# PSI: microseconds some runnable task waited for a CPU (empty without PSI)
psi_us() { awk '/^some/ { for (i = 1; i <= NF; i++) if (sub(/^total=/, "", $i)) print $i }' /proc/pressure/cpu 2>/dev/null; }
psi_avg10() { awk '/^some/ { for (i = 1; i <= NF; i++) if (sub(/^avg10=/, "", $i)) print $i }' /proc/pressure/cpu 2>/dev/null; }
# Other load is taken out of the judged figure (run-queue wait), not out
# of the machine: wait a little for it to go away, and say how busy it was.
wait_quiet() { # SECONDS
	local i a
	for ((i = 0; i < $1; i += 5)); do
		a=$(psi_avg10)
		[ -z "$a" ] && return 0
		awk -v a="$a" 'BEGIN { exit !(a < 5) }' && return 0
		[ $i -eq 0 ] && log "waiting up to $1 s for other load to settle (CPU pressure some avg10=$a%)"
		sleep 5
	done
	a=$(psi_avg10)
	awk -v a="$a" 'BEGIN { exit !(a < 5) }' && return 0
	log "note: the machine stays busy (CPU pressure avg10=$a%): the judged slowdown leaves run-queue waits out"
}

# ---- machine -------------------------------------------------------------------
probes=$("$W" probes --json 2> /dev/null) || die "wtstat probes failed"
MACHINE=$(jq -cn --arg kernel "$(uname -r)" --argjson nproc "$(nproc)" \
	--arg cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)" \
	--argjson mem "$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)" \
	--arg os "$(. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-?}")" \
	--arg bt "$(bpftrace --version 2>/dev/null)" --arg bpftool "$(bpftool version 2>/dev/null | head -n1)" \
	--arg virt "$(systemd-detect-virt 2>/dev/null || echo unknown)" \
	--arg loadavg "$(loadavg)" --argjson probes "$probes" '
	{kernel: $kernel, nproc: $nproc, cpu_model: $cpu, mem_total_kb: $mem, os: $os,
	 virtualization: $virt, bpftrace: $bt, bpftool: $bpftool, loadavg_start: $loadavg,
	 stable_wait_hook: ($probes.probes[] | select(.event == "stable_wait") | "\(.method):\(.target)"),
	 latency_end_hook: ($probes.probes[] | select(.event == "sched_switch") | "\(.method):\(.target)")}')
log "machine: $(jq -r '"\(.kernel), \(.nproc) CPUs, \(.cpu_model), stable waits via \(.stable_wait_hook)"' <<< "$MACHINE")"
[ "$(jq -r .stable_wait_hook <<< "$MACHINE")" = "tracepoint:writeback/folio_wait_writeback" ] ||
	log "note: this machine traces stable waits with $(jq -r .stable_wait_hook <<< "$MACHINE"); the host part measures what attaches"

STARTED=$(date +%s)
if has_part cost || has_part slowdown; then
	log "workload: scratch file systems with stable_writes=1 and 0"
	wl_start s1 1
	wl_start s0 0
fi

# ---- 1. per-event BPF cost ----------------------------------------------------------
if has_part cost; then
	N1=$(wl_size s1 "$COST_S") && N0=$(wl_size s0 "$COST_S") || exit 2
	# A program's cost depends on its place among those on the tracepoint:
	# the first pays ~15 ns more (wtstat's sched_switch: 58 ns attached
	# first, 37 ns last, same build), and what runs just before it moves it
	# too (the loads-only reference cost less right after the empty program
	# of its own loader). So every program wtstat is compared with is held
	# by a process of its own, and the four orders below (a Williams
	# square) put each tool once in each place and right after each other
	# tool once: the runs go in fours (8 for --reps 6).
	orders=("wtstat empty bpftrace loads" "empty loads wtstat bpftrace"
		"loads bpftrace empty wtstat" "bpftrace wtstat loads empty")
	COST_RUNS=$((SMOKE ? 1 : (REPS + 3) / 4 * 4))
	log "per-event cost: $COST_RUNS run$([ "$COST_RUNS" = 1 ] || echo s), $N1 writes with stable waits then $N0 without, wtstat + empty + loads-only + bpftrace attached"
	sysctl -qw kernel.bpf_stats_enabled=1 || die "cannot set kernel.bpf_stats_enabled"
	for ((r = 0; r < COST_RUNS; r++)); do
		read -ra order <<< "${orders[r % 4]}"
		for t in "${order[@]}"; do tr_start "$t"; done
		sleep 0.5
		own=$(owners)
		bpftool perf show -j > "$T/perf.json"
		bpftool prog show -j > "$T/p0.json"
		w1=$(wl_cmd s1 "run $N1") || exit 2
		bpftool prog show -j > "$T/p1.json"
		w0=$(wl_cmd s0 "run $N0") || exit 2
		bpftool prog show -j > "$T/p2.json"
		for t in "${order[@]}"; do tr_stop "$t"; done
		raw "$(jq -cn --argjson r "$r" --arg o "${order[*]}" --argjson w "$w1" --argjson p "$(prog_delta "$T/p0.json" "$T/p1.json" "$own" "$T/perf.json")" \
			'{part:"cost", rep:$r, phase:"stable_writes_1", order:$o, workload:$w, progs:$p}')"
		raw "$(jq -cn --argjson r "$r" --arg o "${order[*]}" --argjson w "$w0" --argjson p "$(prog_delta "$T/p1.json" "$T/p2.json" "$own" "$T/perf.json")" \
			'{part:"cost", rep:$r, phase:"stable_writes_0", order:$o, workload:$w, progs:$p}')"
		log "  run $((r + 1))/$COST_RUNS: order ${order[*]}"
	done
	# Alone, so that no other unwinder warms its caches: what taking a
	# kernel stack costs on this hook (wtstat's tracepoint path takes one
	# per writeback wait to tell stable waits from the others).
	[ $SMOKE = 1 ] || log "reference: bpf_get_stack alone on folio_wait_writeback, $REPS runs"
	for ((r = 0; r < (SMOKE ? 0 : REPS); r++)); do
		tr_start reference
		own=$(owners)
		bpftool perf show -j > "$T/perf.json"
		bpftool prog show -j > "$T/p0.json"
		w1=$(wl_cmd s1 "run $N1") || exit 2
		bpftool prog show -j > "$T/p1.json"
		tr_stop reference
		raw "$(jq -cn --argjson r "$r" --argjson w "$w1" --argjson p "$(prog_delta "$T/p0.json" "$T/p1.json" "$own" "$T/perf.json")" \
			'{part:"cost_ref", rep:$r, phase:"stable_writes_1", workload:$w, progs:$p}')"
	done
	sysctl -qw kernel.bpf_stats_enabled="$STATS_WAS"
fi

# ---- 2. workload slowdown -----------------------------------------------------------
if has_part slowdown; then
	[ $SMOKE = 1 ] || wait_quiet 30
	for st in 1 0; do
		N=$(wl_size s$st "$SLOW_S") || exit 2
		wl_cmd s$st "run $N" > /dev/null || exit 2	# warm-up at the measured size
		log "slowdown, stable_writes=$st: $SLOW_ROUNDS rounds of $N writes untraced / wtstat / bpftrace"
		cfgs=(untraced wtstat bpftrace)
		for ((r = 0; r < SLOW_ROUNDS; r++)); do
			order=("${cfgs[@]:r % 3}" "${cfgs[@]:0:r % 3}")
			for c in "${order[@]}"; do
				[ "$c" = untraced ] || tr_start "$c"
				sleep 0.3
				la=$(loadavg) p0=$(psi_us)
				w=$(wl_cmd s$st "run $N") || exit 2
				p1=$(psi_us)
				[ "$c" = untraced ] || tr_stop "$c"
				raw "$(jq -cn --argjson st "$st" --argjson r "$r" --arg c "$c" --argjson w "$w" --arg la "$la" \
					--arg p0 "$p0" --arg p1 "$p1" \
					'{part:"slowdown", stable_writes:$st, round:$r, config:$c, workload:$w, loadavg:$la,
					  cpu_pressure: (if $p0 == "" or $p1 == "" then null
						else (($p1 | tonumber) - ($p0 | tonumber)) * 1000 / $w.wall_ns end)}')"
			done
		done
	done
fi

for n in "${!WL_FD[@]}"; do
	eval "exec ${WL_FD[$n]}>&-"
	wait "${WL_PID[$n]}" 2>/dev/null
	unset "WL_FD[$n]" "WL_PID[$n]"
done

# ---- 3. user space ---------------------------------------------------------------------
# CPU time (ns) of all threads of PID
cpu_ns() { awk '{s += $1} END {printf "%d\n", s}' /proc/"$1"/task/*/schedstat 2>/dev/null; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' /proc/"$1"/status 2>/dev/null; }

# CPU share of a wtstat daemon with 10k live mappings injected into its maps
cpu_share() { # LABEL wtstat-args...
	local label=$1 pid ipid c0 c1 t0 t1 maps
	shift
	tr_start wtstat "$@"
	pid=${TR_HOLDER[wtstat]}
	"$B/cycle" inject --pid "$pid" --mappings 10000 --period 1 > "$T/inject.out" 2>&1 &
	ipid=$!
	wait_for "$T/inject.out" '^injected' 60 "$ipid" || die "injecting mappings failed: $(cat "$T/inject.out")"
	sleep "$SETTLE_S"	# intervals with the mappings in place before measuring
	c0=$(cpu_ns "$pid") t0=$(date +%s%N)
	sleep "$CPU_S"
	c1=$(cpu_ns "$pid") t1=$(date +%s%N)
	maps=$(for id in $(grep -hs '^map_id:' /proc/"$pid"/fdinfo/* | awk '{print $2}' | sort -un); do
		bpftool map show id "$id" -j 2>/dev/null; done | jq -cs '.')
	raw "$(jq -cn --arg l "$label" --argjson c "$((c1 - c0))" --argjson w "$((t1 - t0))" \
		--argjson rss "$(status_kb "$pid" VmRSS)" --argjson hwm "$(status_kb "$pid" VmHWM)" --argjson maps "$maps" \
		--arg args "$*" \
		'{part:"cpu", label:$l, args:$args, mappings:10000, cpu_ns:$c, wall_ns:$w, share:($c / $w),
		  rss_kb:$rss, hwm_kb:$hwm,
		  maps:[$maps[] | {name, type, max_entries, bytes_key, bytes_value, bytes_memlock}]}')"
	kill -TERM "$ipid" 2>/dev/null
	wait "$ipid" 2>/dev/null
	tr_stop wtstat
	log "  $label: $(jq -r 'select(.part == "cpu") | "\(.share * 1e4 | round / 100)% of a core"' "$RAW" | tail -n1)"
}

if has_part user; then
	for n in $CYCLE_NS; do
		log "interval cycle with $n mappings ($CYCLE_REPS cycles)"
		c=$("$B/cycle" --mappings "$n" --reps "$CYCLE_REPS") || die "bench/cycle --mappings $n failed"
		raw "$(jq -c '{part:"cycle"} + .' <<< "$c")"
		c=$("$B/cycle" --mappings "$n" --reps "$CYCLE_REPS" --serial) || die "bench/cycle --mappings $n --serial failed"
		raw "$(jq -c '{part:"cycle"} + .' <<< "$c")"
	done
	if "$W" --help 2>&1 | grep -q '^  export'; then
		mkdir -p "$T/textfile"
		cpu_share "export" export --textfile-dir "$T/textfile" -i 1
	else
		raw '{"part":"cpu","label":"export","status":"not available yet: this wtstat has no export command"}'
	fi
	[ $SMOKE = 1 ] || cpu_share "interval" -i 1
fi

# ---- 4. the VM lab: kprobe and fentry paths ---------------------------------------------
if has_part vm; then
	if [ $SMOKE = 1 ]; then
		raw '{"part":"vm","status":"skipped in the smoke run"}'
	elif [ -x "$top/bench/vm.sh" ] && [ -x "$top/tests/vm/run-vm.sh" ]; then
		log "VM lab: kprobe and fentry per-event cost (TCG: minutes)"
		if "$top/bench/vm.sh" --reps "$REPS" > "$T/vm.json" 2> "$T/vm.err"; then
			raw "$(jq -c '{part:"vm"} + .' "$T/vm.json")"
		else
			raw "$(jq -cn --arg e "$(tail -n 5 "$T/vm.err")" '{part:"vm", status:("failed: " + $e)}')"
			log "VM lab failed: $(tail -n 3 "$T/vm.err")"
		fi
	else
		raw '{"part":"vm","status":"not measured: the VM lab (tests/vm/run-vm.sh) is not in this tree"}'
	fi
fi

# ---- results ------------------------------------------------------------------------------
MACHINE=$(jq -c --arg la "$(loadavg)" '. + {loadavg_end: $la}' <<< "$MACHINE")
jq -s --argjson machine "$MACHINE" --argjson smoke "$SMOKE" --argjson reps "$REPS" \
	--argjson seconds "$(($(date +%s) - STARTED))" --arg when "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	-f "$top/bench/summarize.jq" "$RAW" > "$T/results.json" || die "summarizing failed (raw data: build/bench/raw*.ndjson)"
mkdir -p "$(dirname "$OUT")"
cp "$T/results.json" "$OUT"
jq -r -f "$top/bench/table.jq" "$OUT" | tee "$TXT"
met=$(jq '[.targets[] | select(.met == false)] | length' "$OUT")
if [ $SMOKE = 1 ]; then
	log "smoke run: the harness works (results: ${OUT#"$top"/}; targets are not judged on a smoke run)"
	exit 0
fi
[ "$met" -eq 0 ]
