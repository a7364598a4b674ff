# bpftrace as the independent witness in live tests. Sourced.
# "Attaching N probes" is printed before attaching: only BEGIN, which runs
# once every probe is attached, says bpftrace is ready (and will take SIGINT).

# bpftrace_start OUT PROGRAM: sets BT_PID; 1 when not ready within 30 s
bpftrace_start() {
	local out=$1 prog=$2
	bpftrace -e "BEGIN { printf(\"ready\\n\"); } $prog" > "$out" 2>&1 &
	BT_PID=$!
	for _ in $(seq 300); do
		grep -q '^ready' "$out" && return 0
		kill -0 "$BT_PID" 2> /dev/null || return 1
		sleep 0.1
	done
	return 1
}

# bpftrace_stop PID [OUTPUT]: SIGINT until it exits (it prints its maps),
# bounded. bpftrace 0.17 now and then takes a SIGINT and sleeps on without
# printing anything, hence the repeats. With OUTPUT (its stdout, for maps of
# thousands of entries, whose printing a second SIGINT cuts short): another
# SIGINT only while OUTPUT has not grown for 10 s since the last one (one
# run of tests/live/pressure.sh: killed after 60 s, no map printed), and
# up to 120 s in all.
bpftrace_stop() {
	local pid=$1 out=${2:-} size last t0=$SECONDS sent=$SECONDS
	if [ -n "$out" ]; then
		kill -INT "$pid"
		last=$(stat -c %s "$out" 2> /dev/null || echo 0)
		while kill -0 "$pid" 2> /dev/null && [ $((SECONDS - t0)) -lt 120 ]; do
			sleep 0.1
			[ $((SECONDS - sent)) -ge 10 ] || continue
			size=$(stat -c %s "$out" 2> /dev/null || echo 0)
			[ "$size" = "$last" ] && kill -INT "$pid" 2> /dev/null
			last=$size sent=$SECONDS
		done
	else
		for _ in $(seq 50); do
			kill -INT "$pid" 2> /dev/null || break
			sleep 0.2
			kill -0 "$pid" 2> /dev/null || break
		done
	fi
	kill -KILL "$pid" 2> /dev/null
	wait "$pid" 2> /dev/null
	return 0
}
