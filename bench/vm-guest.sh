# shellcheck shell=dash
# bench/vm-guest.sh: the VM side of bench/vm.sh, run by the lab's /init as
# /payload/run.sh (busybox sh) with stdout on the results port. For each
# hook path (kprobe, fentry) and each of $BENCH_REPS runs: wtstat forced to
# that path, the empty programs of the same hooks, (kprobe) the loads-only
# reference and bpftrace (bench/equivalent-PATH.bt) attached at once, the
# order rotating,
# kernel.bpf_stats_enabled=1, the rewrite workload with stable_writes=1 then
# 0; the programs' run_cnt/run_time_ns (bench/progstat.c) before, between
# and after. Prints "@@bench {json}" lines; bench/vm.sh does the arithmetic.
REPS=${BENCH_REPS:-3}
SECS=${BENCH_SECONDS:-2}
T=/tmp/bench
mkdir -p $T
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

say() { echo "@@bench $*"; }
note() { echo "# bench: $*"; }

# wait_for FILE REGEX SECONDS [PID]: until a line matches (or PID dies)
wait_for() {
	local i=0
	while [ $i -lt $(($3 * 10)) ]; do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		[ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null && return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

modprobe loop 2>/dev/null
for m in crc32c-intel crc32c_generic xfs ext4; do modprobe $m 2>/dev/null; done
echo 1 > /proc/sys/kernel/bpf_stats_enabled || { say '{"status":"cannot enable kernel.bpf_stats_enabled"}'; exit 0; }

# one rewrite server per stable_writes value, fed through a fifo
wl_start() { # NAME STABLE FD
	mkfifo $T/$1.in
	rewrite --scratch --stable $2 --pages 1 < $T/$1.in > $T/$1.out 2> $T/$1.err &
	eval "exec $3> $T/$1.in"
	wait_for $T/$1.out '^ready' 300 || { note "rewrite $1: $(cat $T/$1.err)"; return 1; }
}
wl_cmd() { # NAME FD CMD
	local n
	n=$(grep -c '^{' $T/$1.out)
	echo "$3" >&$2
	while [ "$(grep -c '^{' $T/$1.out)" -le "$n" ]; do sleep 0.05; done
	grep '^{' $T/$1.out | tail -n 1
}
writes_for() { # JSON -> writes of that answer
	sed -n 's/.*"writes":\([0-9]*\).*/\1/p'
}

# bpftrace 0.17 can take a SIGINT just before it sleeps in epoll_wait()
# and sleep on (bench/run.sh's tr_stop): signal it until it exits, kill it
# after 10 s
running() { # PID: alive and not a zombie the shell has yet to reap
	[ -e /proc/$1/stat ] && [ "$(cut -d' ' -f3 /proc/$1/stat 2>/dev/null)" != Z ]
}
stop_bpftrace() {
	local i=0
	[ -n "$BP" ] || return 0
	while [ $i -lt 50 ] && running $BP; do
		kill -INT $BP 2>/dev/null
		sleep 0.2
		i=$((i + 1))
	done
	if running $BP; then
		note "bpftrace ignored SIGINT for 10 s: killed"
		kill -KILL $BP
	fi
	wait $BP 2>/dev/null
}

wl_start s1 1 3 && wl_start s0 0 4 || { say '{"status":"the rewrite workload did not start"}'; exit 0; }
N1=$(wl_cmd s1 3 "seconds $SECS" | writes_for)
N0=$(wl_cmd s0 4 "seconds $SECS" | writes_for)
note "workload: $N1 writes with stable waits, $N0 without, per run"
say "{\"kernel\":\"$(uname -r)\",\"nproc\":$(nproc),\"writes_stable_1\":$N1,\"writes_stable_0\":$N0}"

for path in kprobe fentry; do
	r=0
	# whole rounds of the orders below: 4 on the kprobe path, 3 on fentry
	if [ $path = kprobe ]; then runs=$(((REPS + 3) / 4 * 4)); else runs=$(((REPS + 2) / 3 * 3)); fi
	while [ $r -lt $runs ]; do
		rm -f $T/ws.err $T/el.out $T/ll.out $T/bt.out
		LP=
		BP=
		# Each program's cost depends on its place among those on the
		# hook (the first pays most): wtstat, the empty programs, the
		# kprobe's loads-only reference and bpftrace, each held by a
		# process of its own, take every place equally often: a Williams
		# square of four orders on the kprobe path (bench/run.sh's), a
		# cycle of three on the fentry path.
		if [ $path = kprobe ]; then
			case $((r % 4)) in
			0) order="wtstat empty bpftrace loads" ;;
			1) order="empty loads wtstat bpftrace" ;;
			2) order="loads bpftrace empty wtstat" ;;
			*) order="bpftrace wtstat loads empty" ;;
			esac
		else
			case $((r % 3)) in
			0) order="wtstat empty bpftrace" ;;
			1) order="empty bpftrace wtstat" ;;
			*) order="bpftrace wtstat empty" ;;
			esac
		fi
		for t in $order; do
			case $t in
			wtstat)
				wtstat --method $path -d 1800 > $T/ws.out 2> $T/ws.err &
				WP=$!
				wait_for $T/ws.err '^wtstat: tracing with' 300 $WP || { note "wtstat --method $path: $(tail -n 2 $T/ws.err)"; }
				;;
			empty)
				empty_loader --hooks $path,rawtp > $T/el.out 2>&1 &
				EP=$!
				wait_for $T/el.out '^ready' 120 $EP || note "empty_loader: $(cat $T/el.out)"
				;;
			loads)
				empty_loader --hooks $path-load > $T/ll.out 2>&1 &
				LP=$!
				wait_for $T/ll.out '^ready' 120 $LP || note "empty_loader --hooks $path-load: $(cat $T/ll.out)"
				;;
			bpftrace)
				bpftrace /payload/equivalent-$path.bt > $T/bt.out 2>&1 &
				BP=$!
				wait_for $T/bt.out '^attached' 600 $BP || note "bpftrace: $(tail -n 3 $T/bt.out)"
				;;
			esac
		done
		[ $r -eq 0 ] && note "$path: $(head -n 1 $T/ws.err); empty: $(cat $T/el.out $T/ll.out 2>/dev/null | grep -c '^ok') attached, $(cat $T/el.out $T/ll.out 2>/dev/null | grep '^skip' | tr '\n' ' ')"
		if ! kill -0 $WP 2>/dev/null; then
			say "{\"path\":\"$path\",\"status\":\"wtstat did not attach with --method $path\"}"
			# the verifier's last words, for the report
			wtstat --method $path -v -d 0.1 2>&1 | grep -vE '^libbpf: (elf|sec|map|prog .*(relo|insn|added))' |
				grep -iE 'denied|invalid|error|R[0-9]+ |^[0-9]+: ' | tail -n 12 | sed 's/^/# bench: verifier: /'
			kill $EP $LP 2>/dev/null
			stop_bpftrace
			wait $EP $LP 2>/dev/null
			break
		fi
		sleep 1
		say "{\"path\":\"$path\",\"rep\":$r,\"point\":0,\"progs\":$(progstat wtstat=$WP empty=$EP ${LP:+loads=$LP} ${BP:+bpftrace=$BP})}"
		w1=$(wl_cmd s1 3 "run $N1")
		say "{\"path\":\"$path\",\"rep\":$r,\"point\":1,\"workload\":$w1,\"progs\":$(progstat wtstat=$WP empty=$EP ${LP:+loads=$LP} ${BP:+bpftrace=$BP})}"
		w0=$(wl_cmd s0 4 "run $N0")
		say "{\"path\":\"$path\",\"rep\":$r,\"point\":2,\"workload\":$w0,\"progs\":$(progstat wtstat=$WP empty=$EP ${LP:+loads=$LP} ${BP:+bpftrace=$BP})}"
		kill -INT $WP $EP $LP 2>/dev/null
		stop_bpftrace
		wait $WP $EP $LP 2>/dev/null
		r=$((r + 1))
	done
done
echo 0 > /proc/sys/kernel/bpf_stats_enabled
exec 3>&- 4>&-
wait
say '{"status":"done"}'
exit 0
