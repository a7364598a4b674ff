#!/usr/bin/env bash
# vmtest.sh: wtstat's kernel lab. Boots Debian's current kernel under qemu
# (TCG, no KVM needed) with a busybox initramfs, runs test cases inside, and
# reports on the host.
#
#   tests/vm/vmtest.sh [-l] [-k] [-t VM_TIMEOUT_S] [-T CASE_TIMEOUT_S] [CASE-GLOB...]
#     -l  list the cases and exit        -k  keep the work files (initramfs, payload)
#     CASE-GLOB  run only cases whose name matches one of the globs (e.g. 'wt_*')
#   Environment:
#     WTSTAT      static wtstat binary put in the VM as /bin/wtstat
#                 (default: ./wtstat at the top of the repository, when present;
#                 WTSTAT= leaves it out, and the cases that need it skip)
#     WT_BINS     more static binaries for the VM's /bin (space separated);
#                 default: build/wtload when present
#     SUITE       Debian suite of the kernel (default: apt's candidate)
#     WT_BUILD    build directory (default: build/ at the top of the repository)
#
# Steps: tests/vm/fetch-kernel.sh (cached in build/vm-cache), the wtlab module
# in both variants (tests/module), tests/vm/wtlab-ctl.c (gcc -static), the
# initramfs (tests/vm/build-initramfs.sh: a cached base + a payload), boot
# (tests/vm/run-vm.sh), then parse. Results stay in build/vm/results/:
# results.log (the VM's result port), console.log (kernel console),
# summary.txt, files/CASE/NAME (files sent by the cases). The output ends with
# the line "N passed, M failed"; the exit status is 1 if anything failed.
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
# files that case sent (build/vm/results/files/NAME), and prints result lines
# the same way (jq is available there, not in the VM). See
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
RES=$WORK/results

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

for t in gcc make cpio qemu-system-x86_64 base64 awk; do
	command -v "$t" >/dev/null || die "missing host tool: $t"
done

T0=$(date +%s.%N)
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
step() { STEP_T=$(date +%s.%N); STEP_NAME=$1; }
done_step() { log "$STEP_NAME: $(since "$STEP_T") s"; }

mkdir -p "$CACHE" "$WORK"
rm -rf "$RES" "$WORK/payload" "$WORK"/*.cpio
mkdir -p "$RES"
cleanup() {
	[ $KEEP = 1 ] || rm -rf "$WORK/payload" "$WORK"/*.cpio "$WORK"/*.log
}
trap cleanup EXIT

# ---- kernel ----------------------------------------------------------------
step fetch
KVER=$("$HERE/fetch-kernel.sh" "$CACHE" ${SUITE:+"$SUITE"}) || die "fetch-kernel.sh failed"
KENV=$CACHE/kernel-$KVER/env
# shellcheck disable=SC1090
. "$KENV"
done_step

# ---- module (both variants, in parallel) and wtlab-ctl ----------------------
step "module + wtlab-ctl"
PAY=$WORK/payload
mkdir -p "$PAY/bin" "$PAY/payload/modules" "$PAY/payload/cases"
MODSRC=("$TOP"/tests/module/{wtlab.c,wtlab_uapi.h,Kbuild,Makefile})
pids=() built=()
for v in traceable notrace; do
	ko=$CACHE/modbuild-$KVER/$v/wtlab.ko
	[ $v = traceable ] || ko=$CACHE/modbuild-$KVER/$v/wtlab_$v.ko
	# kbuild alone costs seconds: skip it when the module is newer than its sources
	if [ -f "$ko" ] && [ -z "$(find "${MODSRC[@]}" -newer "$ko")" ]; then continue; fi
	make -s -C "$TOP/tests/module" KDIR="$KDIR" VARIANT=$v BUILD="$CACHE/modbuild-$KVER/$v" \
		> "$WORK/module-$v.log" 2>&1 &
	pids+=("$!") built+=("$v")
done
gcc -static -O2 -Wall -Wextra -I"$TOP/tests/module" "$HERE/wtlab-ctl.c" -o "$PAY/bin/wtlab-ctl" \
	> "$WORK/wtlab-ctl.log" 2>&1 || { cat "$WORK/wtlab-ctl.log" >&2; die "building wtlab-ctl failed"; }
for i in "${!pids[@]}"; do
	v=${built[$i]}
	if ! wait "${pids[$i]}"; then
		tail -n 30 "$WORK/module-$v.log" >&2
		die "building the $v wtlab module failed (log: $WORK/module-$v.log)"
	fi
done
cat "$WORK"/module-*.log 2>/dev/null | grep -q 'Skipping BTF' &&
	log "warning: modules built without BTF (fentry on them will fail)"
cp "$CACHE/modbuild-$KVER/traceable/wtlab.ko" "$CACHE/modbuild-$KVER/notrace/wtlab_notrace.ko" "$PAY/payload/modules/"
rm -f "$WORK"/module-*.log "$WORK/wtlab-ctl.log"
done_step

# ---- initramfs ---------------------------------------------------------------
step initramfs
"$HERE/build-initramfs.sh" base "$KENV" "$CACHE/initramfs-$KVER-base.cpio"
add_bin() { # PATH
	[ -f "$1" ] || die "no binary $1"
	if readelf -l "$1" 2>/dev/null | grep -q 'Requesting program interpreter'; then
		log "warning: $1 is dynamically linked; left out of the VM (build it with -static)"
		return 0
	fi
	install -m 0755 "$1" "$PAY/bin/$(basename "$1")"
}
WTSTAT=${WTSTAT-$TOP/wtstat}
if [ -n "$WTSTAT" ]; then
	if [ -f "$WTSTAT" ]; then add_bin "$WTSTAT"; else log "note: no wtstat binary at $WTSTAT; cases that need it skip"; fi
fi
for b in ${WT_BINS-$( [ -f "$BUILD/wtload" ] && echo "$BUILD/wtload")}; do add_bin "$b"; done
cp "$HERE/guest/run.sh" "$PAY/payload/run.sh"
cp "$HERE/guest/lib.sh" "$PAY/payload/lib.sh"
cp "${CASE_FILES[@]}" "$PAY/payload/cases/"
printf '%s\n' "${CASES[@]}" > "$PAY/payload/cases.list"
"$HERE/build-initramfs.sh" payload "$PAY" "$WORK/payload.cpio"
cat "$CACHE/initramfs-$KVER-base.cpio" "$WORK/payload.cpio" > "$WORK/initrd.cpio"
done_step

# ---- boot --------------------------------------------------------------------
step "boot + cases (${#CASES[@]})"
vm_rc=0
"$HERE/run-vm.sh" "$VMLINUX" "$WORK/initrd.cpio" "$RES" "$VM_TIMEOUT" \
	"WT_CASE_TIMEOUT=$CASE_TIMEOUT" || vm_rc=$?
done_step

# ---- results -------------------------------------------------------------------
# split files out of results.log; everything else goes to lines.txt
mkdir -p "$RES/files"
awk -v dir="$RES/files" '
	/^@@file [A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+ begin$/ {
		name = $2; out = dir "/" name ".b64"; sub(/\/[^\/]*$/, "", name)
		system("mkdir -p \"" dir "/" name "\""); printf "" > out; infile = 1; next
	}
	infile && /^@@file .* end$/ { close(out); infile = 0; next }
	infile { print >> out; next }
	{ print }
' "$RES/results.log" > "$RES/lines.txt"
for f in "$RES"/files/*/*.b64; do
	base64 -d < "$f" > "${f%.b64}" 2>/dev/null || log "warning: cannot decode ${f#"$RES"/}"
	rm -f "$f"
done

LINES=()
while IFS= read -r l; do
	case "$l" in "ok "* | "not ok "* | "# "* | "#") LINES+=("$l") ;; esac
done < "$RES/lines.txt"

if ! grep -q '^@@wtlab-vm end$' "$RES/results.log"; then
	why="the VM stopped before the end"
	[ $vm_rc -ne 124 ] || why="the VM was killed after ${VM_TIMEOUT}s (-t)"
	grep -qE 'Kernel panic|BUG:|Oops' "$RES/console.log" 2>/dev/null &&
		why="$why: $(grep -m1 -E 'Kernel panic|BUG:|Oops' "$RES/console.log")"
	LINES+=("not ok vm: $why (see build/vm/results/console.log)")
	while IFS= read -r l; do LINES+=("# console: $l"); done < <(tail -n 15 "$RES/console.log" 2>/dev/null | tr -d '\r')
fi

# host-side checks, then cases that left no result at all
for c in "${CASES[@]}"; do
	if bash -c 'for f in "$@"; do . "$f"; done; declare -F "host_check_$0" >/dev/null' "$c" "${CASE_FILES[@]}"; then
		out=$(cd "$TOP" && CASE_OUT="$RES/files/$c" CASE_NAME="$c" \
			bash -c 'for f in "$@"; do . "$f"; done; "host_check_$CASE_NAME"' _ "${CASE_FILES[@]}" \
			2>&1 < /dev/null) || true
		while IFS= read -r l; do
			case "$l" in "ok "* | "not ok "* | "# "*) LINES+=("$l") ;; "") ;; *) LINES+=("# host_check_$c: $l") ;; esac
		done <<< "$out"
		grep -qE "^(not )?ok $c(\.| |:|$)" <<< "$out" || LINES+=("not ok $c.host: host_check_$c printed no result")
	fi
	printf '%s\n' "${LINES[@]}" | grep -qE "^(not )?ok $c(\.| |:|$)" ||
		LINES+=("not ok $c: no result (the VM did not get to it)")
done

pass=0 failc=0
for l in "${LINES[@]}"; do
	case "$l" in "ok "*) pass=$((pass + 1)) ;; "not ok "*) failc=$((failc + 1)) ;; esac
done
{
	printf '%s\n' "${LINES[@]}"
	echo "# kernel $KVER, wall time $(since "$T0") s, results in ${RES#"$TOP"/}"
	echo "$pass passed, $failc failed"
} | tee "$RES/summary.txt"
[ $failc -eq 0 ] && [ $pass -gt 0 ]
