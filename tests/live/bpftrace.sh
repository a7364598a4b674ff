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

# bpftrace_stop PID: SIGINT until it exits (it prints its maps), bounded
bpftrace_stop() {
	local pid=$1
	for _ in $(seq 50); do
		kill -INT "$pid" 2> /dev/null || break
		sleep 0.2
		kill -0 "$pid" 2> /dev/null || break
	done
	kill -KILL "$pid" 2> /dev/null
	wait "$pid" 2> /dev/null
	return 0
}
