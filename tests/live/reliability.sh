#!/usr/bin/env bash
# Live tests of wtstat at its edges, as root: bad input and a hostile
# environment (no privileges, no BTF, no tracefs), every command under
# SIGINT, SIGTERM, SIGHUP and SIGKILL, and the capabilities left after
# attach.
#
# Sourced by tests/live/run.sh (its ok/nok/check helpers, counters and
# state_clean are used), or run alone: then it prints its own
# "N passed, M failed" line. WTSTAT=/path/to/wtstat tests another build.
set -uo pipefail

if ! declare -F ok > /dev/null; then
	rel_standalone=1
	top=$(cd "$(dirname "$0")/../.." && pwd)
	W=${WTSTAT:-$top/wtstat}
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
	if [ "$(id -u)" -ne 0 ]; then
		echo "live tests need root"; echo "0 passed, 1 failed"; exit 1
	fi
	. "$top/tests/live/bpftrace.sh"
	# the suite's own judge of leftovers, taken from run.sh rather than copied
	eval "$(sed -n '/^orphan_programs() {/,/^}/p; /^snapshot_state() {/,/^}/p; /^state_clean() {/,/^}/p' \
		"$top/tests/live/run.sh")"
	BASE=$(snapshot_state)
	trap 'rel_cleanup; rm -rf "$T"' EXIT
else
	rel_standalone=0
fi

# BPF links no live process holds, beside the suite's orphan programs: an
# fd-based link dies with its last holder, anything else would stay.
rel_links() {
	local held
	held=$(cat /proc/[0-9]*/fdinfo/* 2> /dev/null | sed -n 's/^link_id:[[:space:]]*//p' | sort -u)
	bpftool link show -j 2> /dev/null | jq -r '.[].id' | sort -u | comm -23 - <(echo "$held") | wc -l
}
REL_LINKS_BASE=$(rel_links)
state_clean_links() { # state_clean, and no more orphan links than at the start
	local now
	state_clean || return 1
	for _ in $(seq 30); do
		now=$(rel_links)
		[ "$now" -le "$REL_LINKS_BASE" ] && return 0
		sleep 0.1
	done
	echo "# state: orphan BPF links: $now, were $REL_LINKS_BASE" >&2
	return 1
}

# Everything started here is stopped here, by its own pid.
rel_pids=()
rel_cleanup() {
	local p
	for p in "${rel_pids[@]}"; do kill -KILL "$p" 2> /dev/null && wait "$p" 2> /dev/null; done
	rel_pids=()
}
R=$T/rel
mkdir -p "$R"
rel_t0=$SECONDS

# ---- 1. bad input and a hostile environment: one line, exit 2, no output ----
# rel_bad NAME REGEX CMD...: CMD runs wtstat (possibly through a wrapper)
# with "-o $R/never.json" where it takes one.
rel_bad() {
	local name=$1 re=$2
	shift 2
	rm -f "$R/never.json"
	"$@" > "$R/bad.out" 2> "$R/bad.err"
	local rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l < "$R/bad.err")" -eq 1 ] && grep -Eq -- "$re" "$R/bad.err" &&
		[ ! -s "$R/bad.out" ] && [ ! -e "$R/never.json" ]; then
		ok "bad input: $name"
	else
		nok "bad input: $name" "rc=$rc, stderr: $(head -c 300 "$R/bad.err")"
	fi
}
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all "$@"; }
no_caps_msg='missing CAP_BPF and CAP_PERFMON \(needed to load and attach BPF programs\): run as root, e.g. with sudo, or grant CAP_BPF and CAP_PERFMON'

rel_bad "not root" "$no_caps_msg" as_nobody "$W" -d 1 -o "$R/never.json"
rel_bad "not root: run" "$no_caps_msg" as_nobody "$W" run -o "$R/never.json" -- true
rel_bad "not root: demo" "$no_caps_msg" as_nobody "$W" demo -o "$R/never.json"
rel_bad "not root: export" "$no_caps_msg" as_nobody "$W" export --textfile-dir /tmp
rel_bad "not root: gate" "$no_caps_msg" as_nobody "$W" gate --save "$R/never.json" --rule 'anomalies == 0' -- true
if command -v capsh > /dev/null; then
	rel_bad "root without CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN" "$no_caps_msg" \
		capsh --drop=cap_bpf,cap_perfmon,cap_sys_admin -- -c "exec $W -d 1 -o $R/never.json"
	rel_bad "root without CAP_PERFMON, CAP_SYS_ADMIN names only CAP_PERFMON" 'missing CAP_PERFMON \(needed' \
		capsh --drop=cap_perfmon,cap_sys_admin -- -c "exec $W -d 1 -o $R/never.json"
	capsh --drop=cap_bpf,cap_perfmon -- -c "exec $W -d 0.5" > "$R/admin.out" 2> "$R/admin.err"
	check "root with CAP_SYS_ADMIN alone may trace (it implies CAP_BPF and CAP_PERFMON)" \
		"$(head -c 300 "$R/admin.err")" grep -q '^=== wtstat' "$R/admin.out"
else
	skip "root without capabilities" "capsh not installed"
fi
# With both capabilities but not root, /proc/kallsyms may show zeros: the
# tracepoint path could then not tell stable waits from others.
rel_caps_user() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=+bpf,+perfmon \
		--ambient-caps=+bpf,+perfmon "$@"
}
if [ "$(rel_caps_user head -c 16 /proc/kallsyms)" = 0000000000000000 ] &&
	"$W" probes --json 2> /dev/null | jq -e '.probes[] | select(.event=="stable_wait") | .method == "tracepoint"' > /dev/null; then
	rel_bad "CAP_BPF and CAP_PERFMON, kallsyms hidden: asks for CAP_SYSLOG" \
		'cannot tell stable waits from other writeback waits: .*grant CAP_SYSLOG' rel_caps_user "$W" -d 1
else
	skip "kallsyms hidden from a non-root user" "addresses visible, or not the tracepoint path"
fi

: > "$R/empty.btf"
head -c 8192 /dev/urandom > "$R/garbage.btf"
rel_bad "--btf an empty file" 'no kernel BTF in .*empty.btf: .*--btf FILE' "$W" --btf "$R/empty.btf" -d 1 -o "$R/never.json"
rel_bad "--btf garbage" 'no kernel BTF in .*garbage.btf' "$W" --btf "$R/garbage.btf" -d 1 -o "$R/never.json"
rel_bad "--btf missing" '--btf /nonexistent.btf: No such file' "$W" --btf /nonexistent.btf -d 1
# No /sys/kernel/btf/vmlinux: hidden under a tmpfs in a mount namespace of
# the test's own (libbpf also looks in /boot and /lib/modules: skip if there).
rel_ns() { unshare -m --propagation private "$@"; }
if ls /boot/vmlinux-"$(uname -r)" /lib/modules/"$(uname -r)"/vmlinux* /usr/lib/debug/boot/vmlinux-"$(uname -r)" \
	> /dev/null 2>&1; then
	skip "no BTF at /sys/kernel/btf/vmlinux" "a vmlinux with BTF is in /boot or /lib/modules"
else
	cp /sys/kernel/btf/vmlinux "$R/vmlinux.btf"
	rel_bad "no BTF at /sys/kernel/btf/vmlinux: says so, names --btf" \
		'no kernel BTF at /sys/kernel/btf/vmlinux: .*pass --btf FILE' \
		rel_ns sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$0" -d 1 -o "$1"' "$W" "$R/never.json"
	rel_ns sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$0" --btf "$1" --json -d 1' "$W" "$R/vmlinux.btf" \
		> "$R/btf.json" 2> "$R/btf.err"
	check "no BTF at /sys/kernel/btf/vmlinux: --btf FILE is accepted and traces" \
		"rc $?: $(tail -1 "$R/btf.err")" jq -e '.kind == "final" and .kernel.btf' "$R/btf.json"
fi

# tracefs unmounted (in a private namespace): wtstat mounts it and says so;
# when it cannot (no CAP_SYS_ADMIN), it says how to, and still traces.
rel_tracefs() { # CAPSH-DROP OUT ERR AFTER
	rel_ns sh -c 'umount /sys/kernel/tracing 2> /dev/null; umount /sys/kernel/debug 2> /dev/null
		mountpoint -q /sys/kernel/tracing && exit 99
		capsh --drop="$1" -- -c "exec $0 -d 1" > "$2" 2> "$3"; rc=$?
		mountpoint -q /sys/kernel/tracing && echo mounted > "$4"; exit $rc' "$W" "$@"
}
if command -v capsh > /dev/null; then
	rm -f "$R/tfs.after"
	rel_tracefs cap_sys_nice "$R/tfs.out" "$R/tfs.err" "$R/tfs.after"
	rc=$?
	check "tracefs not mounted: wtstat mounts it, says so, traces (rc $rc)" "$(head -c 300 "$R/tfs.err")" \
		sh -c "test $rc -eq 0 && grep -q 'tracefs was not mounted: mounted it at /sys/kernel/tracing' '$R/tfs.err' &&
			test -s '$R/tfs.after' && grep -q '^=== wtstat' '$R/tfs.out'"
	rm -f "$R/tfs.after"
	rel_tracefs cap_sys_admin "$R/tfs2.out" "$R/tfs2.err" "$R/tfs2.after"
	rc=$?
	check "tracefs not mounted, cannot mount: says how to, still traces (rc $rc)" "$(head -c 300 "$R/tfs2.err")" \
		sh -c "test $rc -eq 0 && grep -q \"mounting it failed (Operation not permitted): run 'mount -t tracefs nodev /sys/kernel/tracing'\" '$R/tfs2.err' &&
			grep -q '^=== wtstat' '$R/tfs2.out'"
	check "tracefs tests leave the system's tracefs mounted" "unmounted" mountpoint -q /sys/kernel/tracing
else
	skip "tracefs not mounted" "capsh not installed"
fi

# export into a directory that exists but cannot be written (read-only bind)
mkdir -p "$R/ro"
rel_bad "export into a read-only --textfile-dir" '--textfile-dir .*/ro: cannot write there: Read-only file system' \
	rel_ns sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "$0" export --textfile-dir "$1"' \
	"$W" "$R/ro"
check "export into a read-only --textfile-dir leaves no file" "files left" test -z "$(ls -A "$R/ro")"
: > "$R/notadir"
rel_bad "export --textfile-dir a file" 'not a directory: give an existing directory' \
	"$W" export --textfile-dir "$R/notadir"
rel_bad "gate: --baseline missing" '--baseline /nonexistent-base.json: .*give a file written by wtstat gate --save' \
	"$W" gate --baseline /nonexistent-base.json --save "$R/never.json" -- true
rel_bad "gate: --baseline a directory" "--baseline $R" "$W" gate --baseline "$R" --save "$R/never.json" -- true
rel_bad "gate: --rules missing" '--rules /nonexistent.rules: .*give a readable file' \
	"$W" gate --rules /nonexistent.rules --save "$R/never.json" -- true
rel_bad "negative interval" "--interval '-1': expected a number of seconds above 0" "$W" -i -1
rel_bad "interval not a number" "--interval 'soon'" "$W" -i soon
rel_bad "zero top" "--top '0': expected a whole number from 1" "$W" --top 0
rel_bad "negative top" "--top '-3'" "$W" --top -3
rel_bad "option without its value" "needs a value" "$W" -d 1 --top
rel_bad "--probe without a method" '--probe' "$W" --probe wt_end=:inode_writethrough_end
rel_bad "--probe unknown event" '--probe' "$W" --probe nosuchevent=kprobe:x

# A kernel without the writethrough patch is not an error: it is named.
if ! "$W" probes --json 2> /dev/null | jq -e '.kernel.i_wt_count' > /dev/null; then
	"$W" -d 0.5 > "$R/unpatched.out" 2> "$R/unpatched.err"
	rc=$?
	check "unpatched kernel: not an error, the summary names what is unavailable (rc $rc)" \
		"$(head -c 300 "$R/unpatched.err")" \
		sh -c "test $rc -eq 0 && grep -q 'wt_begin=unavailable wt_end=unavailable' '$R/unpatched.err' &&
			grep -q 'writethroughs: not observable on this kernel' '$R/unpatched.out'"
fi

echo "# reliability: $((SECONDS - rel_t0))s so far"
# ---- 2. signals: every command x INT, TERM, HUP, and KILL ---------------------
# A command, started in the background, attached (its summary printed),
# then signalled: it must end with its final report and the exit status
# README.md documents, and leave nothing behind.
rel_tag=$$
rel_start() { # NAME: starts it, sets rel_pid; 1 when it never attached
	local name=$1
	rm -rf "$R/tf" "$R/gate.json"
	mkdir -p "$R/tf"
	local args
	case $name in
	live) args=(-d 120) ;;
	run) args=(run -- sleep "987.$rel_tag") ;;
	gate) args=(gate --rule 'anomalies == 0' --save "$R/gate.json" -- sleep "987.$rel_tag") ;;
	export) args=(export --textfile-dir "$R/tf" -i 0.3) ;;
	demo) args=(demo --seconds 120) ;;
	esac
	# started directly, so that $! is wtstat and not a subshell
	"$W" "${args[@]}" > "$R/sig.out" 2> "$R/sig.err" &
	rel_pid=$!
	rel_pids+=("$rel_pid")
	for _ in $(seq 300); do
		grep -q '^wtstat: tracing with' "$R/sig.err" && { sleep 0.3; return 0; }
		kill -0 "$rel_pid" 2> /dev/null || return 1
		sleep 0.1
	done
	return 1
}
rel_wait() { # waits for rel_pid at most 30 s, sets rel_rc
	for _ in $(seq 300); do
		kill -0 "$rel_pid" 2> /dev/null || break
		sleep 0.1
	done
	kill -KILL "$rel_pid" 2> /dev/null
	wait "$rel_pid" 2> /dev/null	# no "Killed" job notice
	rel_rc=$?
}
# the final report each command owes, and its documented exit status
rel_final_ok() { # NAME SIGNUM
	case $1 in
	live | demo) [ "$rel_rc" -eq 0 ] && grep -q '^=== wtstat' "$R/sig.out" ;;
	run) [ "$rel_rc" -eq $((128 + $2)) ] && grep -q '^=== wtstat' "$R/sig.out" ;;
	gate) [ "$rel_rc" -eq 2 ] && grep -q '^=== wtstat' "$R/sig.out" &&
		grep -q 'interrupted by signal .*no verdict' "$R/sig.out" && [ ! -e "$R/gate.json" ] ;;
	export) [ "$rel_rc" -eq 0 ] && [ "$(ls -A "$R/tf")" = wtstat.prom ] &&
		grep -q '^wtstat_stable_wait_seconds_count' "$R/tf/wtstat.prom" &&
		[ "$(tail -c 1 "$R/tf/wtstat.prom" | od -An -c | tr -d ' ')" = '\n' ] ;;
	esac
}
rel_no_command_left() { # the traced command ended with wtstat
	for _ in $(seq 30); do
		pgrep -f "sleep 987.$rel_tag" > /dev/null || return 0
		sleep 0.1
	done
	pkill -KILL -f "sleep 987.$rel_tag"
	return 1
}
for cmd in live run gate export demo; do
	for sig in INT TERM HUP; do
		signum=$(kill -l "$sig")
		if ! rel_start "$cmd"; then
			nok "$cmd: SIG$sig" "did not attach: $(tail -1 "$R/sig.err")"
			rel_cleanup
			continue
		fi
		kill -"$sig" "$rel_pid"
		rel_wait
		check "$cmd: SIG$sig ends it with the final report (rc $rel_rc)" \
			"$(tail -c 300 "$R/sig.err")" rel_final_ok "$cmd" "$signum"
		check "$cmd: SIG$sig leaves no program, link, loop device, mount or directory" "state differs" state_clean_links
	done
	if ! rel_start "$cmd"; then
		nok "$cmd: SIGKILL" "did not attach: $(tail -1 "$R/sig.err")"
		rel_cleanup
		continue
	fi
	{ kill -KILL "$rel_pid"; rel_wait; } 2> /dev/null	# no "Killed" job notice
	if [ "$cmd" = demo ]; then
		# the mount went with the namespace, the loop device cleared itself;
		# only the work directory and its empty mount point can stay
		for d in /tmp/wtstat-??????; do
			[ -d "$d" ] && grep -q "$d" "$R/sig.err" && { rmdir "$d/mnt" "$d" 2> /dev/null; }
		done
	fi
	check "$cmd: SIGKILL leaves no program, link, loop device or mount" "state differs" state_clean_links
	case $cmd in run | gate)
		check "$cmd: SIGKILL takes the traced command with it" "command still running" rel_no_command_left ;;
	esac
done
rel_pids=()

echo "# reliability: $((SECONDS - rel_t0))s so far"
# ---- 3. capabilities after attach -----------------------------------------------
# What /proc says of a running wtstat once its summary line is out.
rel_caps() { # PID FIELD: the mask as 16 hex digits
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}
rel_mask() { # CAP-NUMBERS...: the mask they make
	local m=0 c
	for c in "$@"; do m=$((m | (1 << c))); done
	printf '%016x' "$m"
}
rel_caps_ok() { # PID WANT-MASK
	local f
	for f in CapEff CapPrm CapBnd; do
		[ "$(rel_caps "$1" "$f")" = "$2" ] || { echo "$f $(rel_caps "$1" "$f") want $2" >&2; return 1; }
	done
	[ "$(rel_caps "$1" CapInh)" = 0000000000000000 ] && [ "$(rel_caps "$1" CapAmb)" = 0000000000000000 ] &&
		grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$1/status"
}
rel_caps_case() { # NAME WANT-MASK VERBOSE-REGEX CMD...
	local name=$1 want=$2 re=$3
	shift 3
	"$@" > "$R/cap.out" 2> "$R/cap.err" &
	local p=$!
	rel_pids+=("$p")
	for _ in $(seq 300); do
		grep -q 'capabilities after attach' "$R/cap.err" && break
		kill -0 "$p" 2> /dev/null || break
		sleep 0.1
	done
	check "capabilities: $name: only $want left, bounding set too, no_new_privs" \
		"$(grep -E '^(Cap|NoNewPrivs)' "/proc/$p/status" 2> /dev/null | tr '\n' ' ')" rel_caps_ok "$p" "$want"
	check "capabilities: $name: -v says so" "$(grep capab "$R/cap.err")" grep -Eq "$re" "$R/cap.err"
	kill -INT "$p" 2> /dev/null
	wait "$p"
	rel_rc=$?
}
rel_caps_case "live" "$(rel_mask)" 'capabilities after attach: none \(was: ' "$W" -v -d 60
check "capabilities: live: the final report is still written (rc $rel_rc)" "no report" \
	sh -c "test $rel_rc -eq 0 && grep -q '^=== wtstat' '$R/cap.out'"
rel_caps_case "run keeps CAP_KILL" "$(rel_mask 5)" 'after attach: cap_kill=ep .*kept cap_kill: passes signals' \
	"$W" run -v -- sleep 60
rel_caps_case "gate keeps CAP_KILL" "$(rel_mask 5)" 'kept cap_kill' \
	"$W" gate -v --rule 'anomalies == 0' -- sleep 60
rel_caps_case "demo keeps CAP_SYS_ADMIN for its teardown" "$(rel_mask 21)" 'kept cap_sys_admin: unmounts' \
	"$W" demo -v --seconds 60
check "capabilities: demo still tears down after dropping the rest (rc $rel_rc)" "state differs" state_clean_links
# export into a directory only its owner (not root) may write: keeps
# CAP_DAC_OVERRIDE, and the file is still rewritten after the drop
mkdir -p "$R/nobody-tf"
chown nobody "$R/nobody-tf"
chmod 0700 "$R/nobody-tf"
rel_caps_case "export into another user's directory keeps CAP_DAC_OVERRIDE" "$(rel_mask 1)" \
	'kept cap_dac_override: --textfile-dir' "$W" export -v --textfile-dir "$R/nobody-tf" -i 0.2
check "capabilities: export still rewrites its file after the drop (rc $rel_rc)" "$(tail -1 "$R/cap.err")" \
	sh -c "test $rel_rc -eq 0 && grep -q '^wtstat_' '$R/nobody-tf/wtstat.prom' && ! grep -q 'will retry' '$R/cap.err'"
rel_caps_case "export into root's directory keeps nothing" "$(rel_mask)" 'capabilities after attach: none' \
	"$W" export -v --textfile-dir "$R/tf" -i 0.2

# Counting is unchanged after the drop: a live tracer without a single
# capability counts the same stable waits as bpftrace.
if command -v bpftrace > /dev/null; then
	"$LOAD" --scratch --stable 1 --seconds 2 --print-dev --delay 8 > "$R/wl.out" 2>&1 &
	wl=$!
	rel_pids+=("$wl")
	for _ in $(seq 50); do grep -q '^dev=' "$R/wl.out" && break; sleep 0.1; done
	line=$(grep -m1 '^dev=' "$R/wl.out")
	dev=$(sed 's/.*dev=\([^ ]*\).*/\1/' <<< "$line")
	ino=$(sed 's/.*ino=\([^ ]*\).*/\1/' <<< "$line")
	"$W" -v --json --dev "$dev" -o "$R/count.json" 2> "$R/count.err" &
	wp=$!
	rel_pids+=("$wp")
	for _ in $(seq 50); do grep -q 'capabilities after attach' "$R/count.err" && break; sleep 0.1; done
	eff=$(rel_caps "$wp" CapEff)
	bpftrace_start "$R/bt.out" "tracepoint:writeback:folio_wait_writeback /args->ino == $ino && args->name == \"$dev\"/ { @n = count(); }"
	bt_pid=$BT_PID
	rel_pids+=("$bt_pid")
	wait "$wl"
	kill -INT "$wp"	# the final report covers the whole workload
	wait "$wp"
	bpftrace_stop "$bt_pid"
	bt=$(sed -n 's/^@n: //p' "$R/bt.out")
	ws=$(jq "[.mappings[] | select(.ino==$ino) | .stable_wait.count + .other_wait_count] | add // 0" "$R/count.json")
	check "capabilities: no capability left (CapEff $eff), waits still counted ($ws)" "none counted" \
		test "$eff" = 0000000000000000 -a "${ws:-0}" -gt 10
	check "capabilities: after the drop the count equals bpftrace's ($ws vs ${bt:-none})" "counts differ" \
		test "${ws:-x}" = "${bt:-y}"
else
	skip "counting after the drop, against bpftrace" "bpftrace not installed"
fi
rel_cleanup
echo "# reliability: $((SECONDS - rel_t0))s so far"
check "reliability tests leave no program, link, loop device, mount or directory" "state differs" state_clean_links

if [ "$rel_standalone" -eq 1 ]; then
	echo "$pass passed, $failn failed, $skipn skipped"
	[ "$failn" -eq 0 ]
fi
