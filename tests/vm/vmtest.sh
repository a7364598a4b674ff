#!/usr/bin/env bash
# vmtest.sh: wtstat's kernel lab. Boots Debian kernels under qemu (TCG, no
# KVM needed) with a busybox initramfs, runs test cases inside, and reports
# on the host. Two kernels, one after the other:
#   1. the default suite's (bookworm: 6.1, stable-writes flag backported to
#      the mapping, folio flags an unsigned long, 12-argument
#      balance_dirty_pages tracepoint): every case;
#   2. the newest packaged one (SUITE2, default unstable: 7.x, folio flags in
#      memdesc_flags_t, 8-argument tracepoint), fetched with a private apt
#      configuration: every case its wtlab module allows. When the module
#      cannot be built with this machine's compiler, the output says why and
#      the cases that need no module still run.
#
#   tests/vm/vmtest.sh [-l] [-k] [-t VM_TIMEOUT_S] [-T CASE_TIMEOUT_S] [CASE-GLOB...]
#     -l  list the cases and exit        -k  keep the work files (initramfs, payload)
#     CASE-GLOB  run only cases whose name matches one of the globs (e.g. 'wt_*')
#   Environment:
#     WTSTAT      static wtstat binary put in the VM as /bin/wtstat
#                 (default: ./wtstat at the top of the repository, when present;
#                 WTSTAT= leaves it out, and the cases that need it skip)
#     WT_BINS     more static binaries for the VM's /bin (space separated);
#                 default: build/wtload and build/wtpress when present
#     SUITE       Debian suite of the first kernel (default: apt's candidate)
#     SUITE2      suite of the second kernel (default: unstable; SUITE2= runs
#                 the first kernel only)
#     WT_REQUIRE_KERNEL2=1  fail when SUITE2 cannot be reached (default: say
#                 so in one line and go on with the first kernel's results)
#     WT_BUILD    build directory (default: build/ at the top of the repository)
#
# Steps per kernel: tests/vm/fetch-kernel.sh (cached in build/vm-cache; the
# second kernel's fetch runs while the first VM does), the wtlab module in
# both variants (tests/module), tests/vm/wtlab-ctl.c (gcc -static), the
# initramfs (tests/vm/build-initramfs.sh: a cached base + a payload), boot
# (tests/vm/run-vm.sh), then parse. Results stay in build/vm/results/ (first
# kernel) and build/vm/results-SUITE2/ (second): results.log (the VM's result
# port), console.log (kernel console), summary.txt, files/CASE/NAME (files
# sent by the cases); build/vm/results/summary.txt has both kernels. The
# second kernel's result lines name it: "ok SUITE2/NAME...". The output ends
# with the line "N passed, M failed", both kernels summed; the exit status is
# 1 if anything failed.
#
# ---- Case contract ---------------------------------------------------------
# A case is a shell function `vm_case_NAME` (NAME: [A-Za-z0-9_]+) in a file
# tests/vm/cases/*.sh. The files are sourced by busybox sh in the VM (so:
# POSIX sh, busybox applets) and by bash on the host (so: only function
# definitions at the top level). In the VM each case runs in its own shell,
# after tests/vm/guest/lib.sh, with $WT_CASE=NAME, stdin /dev/null, a time
# limit (-T, default 120 s), and prints on stdout:
#     ok NAME[.SUB]                    a passed check
#     not ok NAME[.SUB]: reason        a failed check
#     ok NAME[.SUB] # SKIP reason      a skipped check (counted as passed)
#     # text                           a comment, shown in the report
#     (and files, by save_file; any other line is ignored)
# A case whose function calls wtlab_load needs the wtlab module: on a kernel
# the module cannot be built for, it is not run (one comment line says why).
# Helpers from tests/vm/guest/lib.sh: ok, fail, skip, note, check,
# expect_eq, expect_ge, save_file PATH [NAME], need_bin, wtlab_load
# traceable|notrace [param=value...], wtlab_unload, kprobe_add NAME TARGET
# (refusal reason in $KPROBE_ERR), kprobe_hits, trace_event_on SUBSYS/EVENT
# [FILTER], tr_reset, scratch_ext4 ($SCRATCH_EXT4 = ext4 on /dev/ram0),
# scratch_xfs ($SCRATCH_XFS = xfs on /dev/ram1), set_stable_writes DEV 0|1,
# mkfile PATH KIB, ino_of PATH. In the VM: /bin/wtstat (if given),
# /bin/wtlab-ctl (tests/vm/wtlab-ctl.c), the modules in /payload/modules,
# /sys/kernel/tracing, /sys/kernel/debug, /sys/fs/bpf, /sys/kernel/btf; no
# network. A case also fails when it prints no result line, runs out of
# time, or the kernel logs a BUG/WARNING/oops meanwhile (NAME.kernel_log).
# Between cases the runner resets tracefs, unloads wtlab and sets the
# ramdisks' stable_writes back to 0; the scratch file systems stay mounted.
#
# Host side: an optional bash function `host_check_NAME` in the same file runs
# on the host after the VM has stopped, with $CASE_OUT = the directory of the
# files that case sent (build/vm/results*/files/NAME), $WT_KVER = the kernel
# release and $WT_VMLINUX = its ELF image (with .BTF), and prints result lines
# the same way (jq and bpftool are available there, not in the VM). See
# tests/vm/cases/wtstat_example.sh.
#
# ---- Results-port contract (VM /dev/ttyS1 -> results.log) ------------------
#     @@wtlab-vm begin kernel=KVER
#     ok ... / not ok ... / # ...          case output, in case order
#     @@file CASE/NAME begin               a file, base64, until
#     @@file CASE/NAME end
#     @@wtlab-vm status=N
#     @@wtlab-vm end                       the VM finished (absent: it died)
set -euo pipefail

die() { echo "vmtest: error: $*" >&2; exit 2; }
log() { echo "vmtest: $*" >&2; }
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BUILD=${WT_BUILD:-$TOP/build}
CACHE=$BUILD/vm-cache
WORK=$BUILD/vm
RES1=$WORK/results
SUITE2=${SUITE2-unstable}

KEEP=0 LIST=0 VM_TIMEOUT=300 CASE_TIMEOUT=120
while getopts "lkt:T:h" o; do
	case $o in
	l) LIST=1 ;;
	k) KEEP=1 ;;
	t) VM_TIMEOUT=$OPTARG ;;
	T) CASE_TIMEOUT=$OPTARG ;;
	*) sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[[ "$VM_TIMEOUT" =~ ^[0-9]+$ && "$CASE_TIMEOUT" =~ ^[0-9]+$ ]] || die "timeouts are whole seconds"
[ -z "$SUITE2" ] || [[ "$SUITE2" =~ ^[a-z0-9][a-z0-9.+-]*$ ]] || die "SUITE2='$SUITE2' is not a Debian suite name (e.g. unstable; empty: first kernel only)"

# ---- cases -----------------------------------------------------------------
shopt -s nullglob
CASE_FILES=("$HERE"/cases/*.sh)
[ ${#CASE_FILES[@]} -gt 0 ] || die "no case files in $HERE/cases"
mapfile -t ALL_CASES < <(sed -n 's/^vm_case_\([A-Za-z0-9_]*\) *() *{*.*$/\1/p' "${CASE_FILES[@]}")
dup=$(printf '%s\n' "${ALL_CASES[@]}" | sort | uniq -d | head -n1)
[ -z "$dup" ] || die "case vm_case_$dup is defined twice in tests/vm/cases"
CASES=()
for c in "${ALL_CASES[@]}"; do
	if [ $# -eq 0 ]; then CASES+=("$c"); continue; fi
	for g in "$@"; do
		# shellcheck disable=SC2053
		if [[ $c == $g ]]; then CASES+=("$c"); break; fi
	done
done
if [ $LIST = 1 ]; then printf '%s\n' "${ALL_CASES[@]}"; exit 0; fi
[ ${#CASES[@]} -gt 0 ] || die "no case matches: $*  (cases: ${ALL_CASES[*]})"
for f in "${CASE_FILES[@]}"; do bash -n "$f" || die "syntax error in $f"; done
# the cases that load the wtlab module (see the contract above)
mapfile -t MODULE_CASES < <(bash -c 'for f in "$@"; do . "$f"; done
	for c in $(compgen -A function vm_case_); do
		declare -f "$c" | grep -qw wtlab_load && echo "${c#vm_case_}"
	done; true' _ "${CASE_FILES[@]}")
needs_module() { printf '%s\n' "${MODULE_CASES[@]}" | grep -qx "$1"; }

for t in gcc make cpio qemu-system-x86_64 base64 awk; do
	command -v "$t" >/dev/null || die "missing host tool: $t"
done

T0=$(date +%s.%N)
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
step() { STEP_T=$(date +%s.%N); STEP_NAME=$1; }
done_step() { log "$KLABEL: $STEP_NAME: $(since "$STEP_T") s"; }

mkdir -p "$CACHE" "$WORK"
rm -rf "$RES1" "$WORK"/results-* "$WORK"/payload* "$WORK"/*.cpio "$WORK"/fetch2.*
FETCH2_PID=
cleanup() {
	if [ -n "$FETCH2_PID" ]; then
		pkill -TERM -P "$FETCH2_PID" 2>/dev/null || true
		kill "$FETCH2_PID" 2>/dev/null || true
	fi
	[ $KEEP = 1 ] || rm -rf "$WORK"/payload* "$WORK"/*.cpio "$WORK"/*.log "$WORK"/fetch2.*
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the module, for one kernel -----------------------------------------------
# build_module KVER KDIR: both variants into $CACHE/modbuild-KVER (kbuild
# alone costs seconds: skipped when the modules are newer than their
# sources). Returns 1 with the reason in MOD_WHY when they cannot be built.
MODSRC=("$TOP"/tests/module/{wtlab.c,wtlab_uapi.h,Kbuild,Makefile})
build_module() {
	local kver=$1 kdir=$2 v ko kcc cc_args=() pids=() built=() why
	local mb=$CACHE/modbuild-$kver
	MOD_WHY=
	# the compiler the kernel was built with; this machine's gcc if it has not
	# got that one (Debian's headers name e.g. x86_64-linux-gnu-gcc-16)
	kcc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\{0,1\}\([^ "]*\).*/\1/p' "$kdir/include/config/auto.conf" 2>/dev/null)
	[ -z "$kcc" ] || command -v "$kcc" >/dev/null || cc_args=(CC=gcc)
	# a failure is remembered until the sources or the compiler change
	if [ -f "$mb/failed" ] && [ -z "$(find "${MODSRC[@]}" -newer "$mb/failed")" ] &&
	   [ "$(sed -n 1p "$mb/failed")" = "gcc $(gcc -dumpfullversion)" ]; then
		MOD_WHY="$(sed -n 2p "$mb/failed") (an earlier try; remove $mb/failed to try again)"
		return 1
	fi
	rm -f "$mb/failed"
	[ ${#cc_args[@]} -eq 0 ] ||
		log "$KLABEL: the kernel was built with $kcc, not on this machine: trying gcc $(gcc -dumpfullversion)"
	for v in traceable notrace; do
		ko=$mb/$v/wtlab.ko
		[ $v = traceable ] || ko=$mb/$v/wtlab_notrace.ko
		if [ -f "$ko" ] && [ -z "$(find "${MODSRC[@]}" -newer "$ko")" ]; then continue; fi
		make -s -C "$TOP/tests/module" KDIR="$kdir" VARIANT=$v BUILD="$mb/$v" "${cc_args[@]}" \
			> "$WORK/module-$v.log" 2>&1 &
		pids+=("$!") built+=("$v")
	done
	for i in "${!pids[@]}"; do
		v=${built[$i]}
		wait "${pids[$i]}" && continue
		[ -n "$MOD_WHY" ] && continue
		why=$(grep -m1 -oE "GLIBC_[0-9.]+' not found" "$WORK/module-$v.log" | cut -d"'" -f1 || true)
		if [ -n "$why" ]; then
			MOD_WHY="its kbuild programs need $why, this machine has GLIBC_$(ldd --version | awk 'NR == 1 { print $NF }')"
		else
			why=$(grep -m1 -E 'error|Error [0-9]' "$WORK/module-$v.log" | sed 's/^[^ ]*: //' | head -c 200 || true)
			MOD_WHY=${why:-make failed (log: $WORK/module-$v.log)}
			[ ${#cc_args[@]} -eq 0 ] ||
				MOD_WHY="the kernel was built with $kcc, gcc $(gcc -dumpfullversion) here fails: $MOD_WHY"
		fi
		mkdir -p "$mb" && cp "$WORK/module-$v.log" "$mb/failed-$v.log"
	done
	if [ -n "$MOD_WHY" ]; then
		printf 'gcc %s\n%s\n' "$(gcc -dumpfullversion)" "$MOD_WHY" > "$mb/failed"
		return 1
	fi
	cat "$WORK"/module-*.log 2>/dev/null | grep -q 'Skipping BTF' &&
		log "$KLABEL: warning: modules built without BTF (fentry on them will fail)"
	rm -f "$WORK"/module-*.log
	return 0
}

add_bin() { # PAYLOAD-DIR PATH
	[ -f "$2" ] || die "no binary $2"
	if readelf -l "$2" 2>/dev/null | grep -q 'Requesting program interpreter'; then
		log "warning: $2 is dynamically linked; left out of the VM (build it with -static)"
		return 0
	fi
	install -m 0755 "$2" "$1/bin/$(basename "$2")"
}

# ---- one kernel: module, initramfs, boot, results ------------------------------
# run_kernel KVER RES LABEL MODULE(required|optional): appends the kernel's
# result lines (named LABEL/NAME when LABEL is set) to ALL_LINES and its
# counts to PASS/FAILC
ALL_LINES=() PASS=0 FAILC=0
run_kernel() {
	local kver=$1 res=$2 label=$3 modpolicy=$4 kt pay c l
	# shellcheck disable=SC2034  # set by the env file
	local KVER KDIR MODDIR VMLINUX BUSYBOX SUITE
	kt=$(date +%s.%N)
	# shellcheck disable=SC1090
	. "$CACHE/kernel-$kver/env"
	mkdir -p "$res"

	step "module + wtlab-ctl"
	pay=$WORK/payload-$kver
	rm -rf "$pay"
	mkdir -p "$pay/bin" "$pay/payload/modules" "$pay/payload/cases"
	local kcases=("${CASES[@]}") skipped=() lines=()
	if build_module "$KVER" "$KDIR"; then
		cp "$CACHE/modbuild-$KVER/traceable/wtlab.ko" "$CACHE/modbuild-$KVER/notrace/wtlab_notrace.ko" "$pay/payload/modules/"
	elif [ "$modpolicy" = required ]; then
		tail -n 30 "$CACHE/modbuild-$KVER"/failed-*.log >&2 2>/dev/null || true
		die "building the wtlab module for $KVER failed: $MOD_WHY"
	else
		kcases=()
		for c in "${CASES[@]}"; do
			if needs_module "$c"; then skipped+=("$c"); else kcases+=("$c"); fi
		done
		lines+=("# module cases skipped on $KVER (${#skipped[@]}: ${skipped[*]}): the wtlab module cannot be built here: $MOD_WHY")
		log "$KLABEL: module cases skipped: $MOD_WHY"
	fi
	gcc -static -O2 -Wall -Wextra -I"$TOP/tests/module" "$HERE/wtlab-ctl.c" -o "$pay/bin/wtlab-ctl" \
		> "$WORK/wtlab-ctl.log" 2>&1 || { cat "$WORK/wtlab-ctl.log" >&2; die "building wtlab-ctl failed"; }
	rm -f "$WORK/wtlab-ctl.log"
	done_step
	if [ ${#kcases[@]} -eq 0 ]; then
		lines+=("# kernel $KVER: no case to run")
		emit_kernel "$kver" "$label" "$kt" "${lines[@]}"
		return 0
	fi

	step initramfs
	"$HERE/build-initramfs.sh" base "$CACHE/kernel-$kver/env" "$CACHE/initramfs-$KVER-base.cpio"
	if [ -n "$WTSTAT" ]; then
		if [ -f "$WTSTAT" ]; then add_bin "$pay" "$WTSTAT"; else log "note: no wtstat binary at $WTSTAT; cases that need it skip"; fi
	fi
	for b in ${WT_BINS-$(for t in wtload wtpress; do [ -f "$BUILD/$t" ] && echo "$BUILD/$t"; done)}; do add_bin "$pay" "$b"; done
	cp "$HERE/guest/run.sh" "$pay/payload/run.sh"
	cp "$HERE/guest/lib.sh" "$pay/payload/lib.sh"
	cp "${CASE_FILES[@]}" "$pay/payload/cases/"
	printf '%s\n' "${kcases[@]}" > "$pay/payload/cases.list"
	"$HERE/build-initramfs.sh" payload "$pay" "$WORK/payload-$kver.cpio"
	cat "$CACHE/initramfs-$KVER-base.cpio" "$WORK/payload-$kver.cpio" > "$WORK/initrd-$kver.cpio"
	done_step

	step "boot + cases (${#kcases[@]})"
	local vm_rc=0
	"$HERE/run-vm.sh" "$VMLINUX" "$WORK/initrd-$kver.cpio" "$res" "$VM_TIMEOUT" \
		"WT_CASE_TIMEOUT=$CASE_TIMEOUT" || vm_rc=$?
	done_step

	# split files out of results.log; everything else goes to lines.txt
	mkdir -p "$res/files"
	awk -v dir="$res/files" '
		/^@@file [A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+ begin$/ {
			name = $2; out = dir "/" name ".b64"; sub(/\/[^\/]*$/, "", name)
			system("mkdir -p \"" dir "/" name "\""); printf "" > out; infile = 1; next
		}
		infile && /^@@file .* end$/ { close(out); infile = 0; next }
		infile { print >> out; next }
		{ print }
	' "$res/results.log" > "$res/lines.txt"
	for f in "$res"/files/*/*.b64; do
		base64 -d < "$f" > "${f%.b64}" 2>/dev/null || log "warning: cannot decode ${f#"$res"/}"
		rm -f "$f"
	done

	while IFS= read -r l; do
		case "$l" in "ok "* | "not ok "* | "# "* | "#") lines+=("$l") ;; esac
	done < "$res/lines.txt"

	if ! grep -q '^@@wtlab-vm end$' "$res/results.log"; then
		local why="the VM stopped before the end"
		[ $vm_rc -ne 124 ] || why="the VM was killed after ${VM_TIMEOUT}s (-t)"
		grep -qE 'Kernel panic|BUG:|Oops' "$res/console.log" 2>/dev/null &&
			why="$why: $(grep -m1 -E 'Kernel panic|BUG:|Oops' "$res/console.log")"
		lines+=("not ok vm: $why (see ${res#"$TOP"/}/console.log)")
		while IFS= read -r l; do lines+=("# console: $l"); done < <(tail -n 15 "$res/console.log" 2>/dev/null | tr -d '\r')
	fi

	# host-side checks, then cases that left no result at all
	local out
	for c in "${kcases[@]}"; do
		if bash -c 'for f in "$@"; do . "$f"; done; declare -F "host_check_$0" >/dev/null' "$c" "${CASE_FILES[@]}"; then
			out=$(cd "$TOP" && CASE_OUT="$res/files/$c" CASE_NAME="$c" WT_KVER="$KVER" WT_VMLINUX="$VMLINUX" \
				bash -c 'for f in "$@"; do . "$f"; done; "host_check_$CASE_NAME"' _ "${CASE_FILES[@]}" \
				2>&1 < /dev/null) || true
			while IFS= read -r l; do
				case "$l" in "ok "* | "not ok "* | "# "*) lines+=("$l") ;; "") ;; *) lines+=("# host_check_$c: $l") ;; esac
			done <<< "$out"
			grep -qE "^(not )?ok $c(\.| |:|$)" <<< "$out" || lines+=("not ok $c.host: host_check_$c printed no result")
		fi
		printf '%s\n' "${lines[@]}" | grep -qE "^(not )?ok $c(\.| |:|$)" ||
			lines+=("not ok $c: no result (the VM did not get to it)")
	done
	emit_kernel "$kver" "$label" "$kt" "${lines[@]}"
}

# emit_kernel KVER LABEL T0 LINE...: names the lines after the kernel, prints
# them with the kernel's own count, writes its summary.txt, adds to the totals
emit_kernel() {
	local kver=$1 label=$2 kt=$3 l p=0 f=0 named=()
	shift 3
	for l in "$@"; do
		if [ -n "$label" ]; then
			case "$l" in
			"not ok "*) l="not ok $label/${l#not ok }" ;;
			"ok "*) l="ok $label/${l#ok }" ;;
			esac
		fi
		case "$l" in "ok "*) p=$((p + 1)) ;; "not ok "*) f=$((f + 1)) ;; esac
		named+=("$l")
	done
	named+=("# kernel $kver${label:+ ($label)}: $p passed, $f failed, $(since "$kt") s")
	printf '%s\n' "${named[@]}" | tee -a "$RES1/summary.txt"
	[ -z "$label" ] || printf '%s\n' "${named[@]}" > "$WORK/results-$label/summary.txt"
	ALL_LINES+=("${named[@]}")
	PASS=$((PASS + p)) FAILC=$((FAILC + f))
}

WTSTAT=${WTSTAT-$TOP/wtstat}
mkdir -p "$RES1"
: > "$RES1/summary.txt"

# ---- first kernel ------------------------------------------------------------
KLABEL=${SUITE:-default}
step fetch
KVER1=$("$HERE/fetch-kernel.sh" "$CACHE" ${SUITE:+"$SUITE"}) || die "fetch-kernel.sh failed"
done_step
# the second kernel downloads and unpacks meanwhile (after the first fetch:
# both would fetch busybox-static into the same cache)
if [ -n "$SUITE2" ]; then
	(
		t=$(date +%s.%N)
		rc=0
		"$HERE/fetch-kernel.sh" "$CACHE" "$SUITE2" > "$WORK/fetch2.out" 2> "$WORK/fetch2.log" || rc=$?
		since "$t" > "$WORK/fetch2.time"
		exit $rc
	) &
	FETCH2_PID=$!
fi
echo "# ==== kernel $KVER1 (${SUITE:-default suite}): ${#CASES[@]} cases" | tee -a "$RES1/summary.txt"
run_kernel "$KVER1" "$RES1" "" required

# ---- second kernel -----------------------------------------------------------
if [ -n "$SUITE2" ]; then
	KLABEL=$SUITE2
	rc2=0
	wait "$FETCH2_PID" || rc2=$?
	FETCH2_PID=
	sed 's/^/  /' "$WORK/fetch2.log" >&2
	log "$KLABEL: fetch (while the first VM ran): $(cat "$WORK/fetch2.time" 2>/dev/null) s"
	KVER2=$(tail -n 1 "$WORK/fetch2.out" 2>/dev/null || true)
	if [ $rc2 -eq 0 ] && [ -n "$KVER2" ] && [ "$KVER2" = "$KVER1" ]; then
		echo "# second kernel: $SUITE2 carries the same kernel as the first ($KVER1); not run twice" | tee -a "$RES1/summary.txt"
	elif [ $rc2 -eq 0 ] && [ -n "$KVER2" ]; then
		echo "# ==== kernel $KVER2 ($SUITE2): result lines named $SUITE2/CASE" | tee -a "$RES1/summary.txt"
		run_kernel "$KVER2" "$WORK/results-$SUITE2" "$SUITE2" optional
	else
		why=$(grep -m1 -E 'cannot be reached|error:' "$WORK/fetch2.log" | sed 's/^[a-z-]*: //' || true)
		why=${why:-fetch-kernel.sh $SUITE2 exited with status $rc2}
		if [ "${WT_REQUIRE_KERNEL2:-0}" = 1 ]; then
			l="not ok kernel2: no $SUITE2 kernel (WT_REQUIRE_KERNEL2=1): $why"
			FAILC=$((FAILC + 1))
		else
			l="# second kernel skipped: no $SUITE2 kernel: $why"
		fi
		echo "$l" | tee -a "$RES1/summary.txt"
	fi
fi

{
	res="results in ${RES1#"$TOP"/}"
	[ -z "$SUITE2" ] || [ ! -d "$RES1-$SUITE2" ] || res="$res and ${RES1#"$TOP"/}-$SUITE2"
	echo "# wall time $(since "$T0") s, $res"
	echo "$PASS passed, $FAILC failed"
} | tee -a "$RES1/summary.txt"
[ $FAILC -eq 0 ] && [ $PASS -gt 0 ]
