# shellcheck shell=dash
# Helpers for test cases inside the VM (busybox sh). Sourced before the case
# files; see the contract at the top of tests/vm/vmtest.sh.
# Helpers use `local` (busybox sh has it) so that they do not clobber the
# caller's variables; cases may use any names not starting with an underscore.
# Everything a case prints on stdout goes to the host: keep it to result
# lines (ok / not ok), comments (# ...) and files (save_file).

TR=/sys/kernel/tracing
WTLAB_MODS=/payload/modules
SCRATCH_EXT4=/mnt/ext4		# ext4 on /dev/ram0 (scratch_ext4)
SCRATCH_XFS=/mnt/xfs		# xfs on /dev/ram1 (scratch_xfs)

# ---- results ---------------------------------------------------------------
ok()   { echo "ok $1"; }
fail() { local n=$1; shift; echo "not ok $n: $*"; }
skip() { local n=$1; shift; echo "ok $n # SKIP $*"; }
note() { echo "# $*"; }

# check NAME CMD...: ok when CMD succeeds
check() {
	local n=$1; shift
	if "$@" > /tmp/.check.out 2>&1; then ok "$n"
	else fail "$n" "failed: $* ($(tail -n 1 /tmp/.check.out))"; fi
}
# expect_eq NAME GOT WANT [WHAT]
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "${4:-value} is '$2', expected '$3'"; fi
}
# expect_ge NAME GOT MIN [WHAT]   (integers)
expect_ge() {
	if [ "$2" -ge "$3" ] 2>/dev/null; then ok "$1"; else fail "$1" "${4:-value} is '$2', expected >= $3"; fi
}

# save_file PATH [NAME]: send a file to the host, which writes it to
# RESULTS/files/CASE/NAME (CASE is this case's name).
save_file() {
	local _name=${2:-$(basename "$1")}
	if [ ! -f "$1" ]; then fail "${WT_CASE:-vm}.save" "no file $1"; return 1; fi
	echo "@@file ${WT_CASE:-vm}/$_name begin"
	base64 < "$1"
	echo "@@file ${WT_CASE:-vm}/$_name end"
}

# need_bin NAME: true when NAME is on PATH (e.g. need_bin wtstat || { skip ...; return; })
need_bin() { command -v "$1" > /dev/null 2>&1; }

# ---- the wtlab module ------------------------------------------------------
# wtlab_load traceable|notrace [param=value...]: load one variant (the other
# is unloaded first: both export the same symbols and create /dev/wtlab)
wtlab_load() {
	local mod
	case "$1" in
	traceable) mod=wtlab ;;
	notrace) mod=wtlab_notrace ;;
	*) echo "wtlab_load: bad variant '$1'" >&2; return 1 ;;
	esac
	shift
	wtlab_unload || return 1
	insmod "$WTLAB_MODS/$mod.ko" "$@" || return 1
	[ "$(wtlab_loaded)" = "$mod" ] || { echo "wtlab_load: $mod not in /proc/modules" >&2; return 1; }
	local i=0
	while [ ! -c /dev/wtlab ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -c /dev/wtlab ]
}
# wtlab_loaded: name of the loaded variant's module (wtlab or wtlab_notrace)
wtlab_loaded() { grep -E "^(wtlab|wtlab_notrace) " /proc/modules | cut -d' ' -f1; }
wtlab_unload() {
	local m
	for m in $(wtlab_loaded); do
		[ -c /dev/wtlab ] && wtlab-ctl wait 2>/dev/null
		kprobes_clear
		rmmod "$m" || return 1
	done
	return 0
}

# ---- tracefs ---------------------------------------------------------------
# kprobe_add NAME TARGET: define and enable p:NAME TARGET; on refusal return 1
# with the kernel's reason in $KPROBE_ERR (dmesg line or write error)
kprobe_add() {
	local before
	KPROBE_ERR=
	before=$(dmesg | wc -l)
	if echo "p:$1 $2" >> $TR/kprobe_events 2> /tmp/.kp.err; then
		echo 1 > "$TR/events/kprobes/$1/enable"
		return 0
	fi
	KPROBE_ERR=$(dmesg | tail -n +$((before + 1)) | grep -m1 -iE 'probe|notrace' || true)
	[ -n "$KPROBE_ERR" ] || KPROBE_ERR=$(cat /tmp/.kp.err)
	return 1
}
# kprobe_hits NAME: hit count from kprobe_profile (-1: no such probe)
kprobe_hits() {
	awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print -1 }' $TR/kprobe_profile
}
kprobes_clear() {
	[ -d $TR/events/kprobes ] && echo 0 > $TR/events/kprobes/enable 2>/dev/null
	echo > $TR/kprobe_events
}
# trace_event_on SUBSYS/EVENT [FILTER]
trace_event_on() {
	[ -z "${2:-}" ] || echo "$2" > "$TR/events/$1/filter"
	echo 1 > "$TR/events/$1/enable"
}
tr_reset() {
	echo 0 > $TR/events/enable
	local f
	for f in $TR/events/*/*/filter; do echo 0 > "$f" 2>/dev/null; done
	kprobes_clear
	echo > $TR/trace
	echo 1 > $TR/tracing_on
}

# ---- scratch devices and files ----------------------------------------------
# two 512 MiB ramdisks (allocated on use): ram0 for ext4, ram1 for xfs
scratch_brd() {
	grep -q '^brd ' /proc/modules || modprobe brd rd_nr=2 rd_size=524288 max_part=0
}
mounted() { grep -q " $1 " /proc/mounts; }
scratch_ext4() {
	mounted $SCRATCH_EXT4 && return 0
	modprobe crc32c-intel 2>/dev/null; modprobe crc32c_generic 2>/dev/null
	modprobe ext4 && scratch_brd || return 1
	mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1 /dev/ram0 > /dev/null || return 1
	mkdir -p $SCRATCH_EXT4 && mount -t ext4 -o noinit_itable /dev/ram0 $SCRATCH_EXT4
}
scratch_xfs() {
	mounted $SCRATCH_XFS && return 0
	modprobe crc32c-intel 2>/dev/null; modprobe crc32c_generic 2>/dev/null
	modprobe xfs && scratch_brd || return 1
	mkfs.xfs -q -f /dev/ram1 > /dev/null || return 1
	mkdir -p $SCRATCH_XFS && mount -t xfs /dev/ram1 $SCRATCH_XFS
}
# set_stable_writes DEV 0|1   (DEV as in /sys/block, e.g. ram0)
set_stable_writes() { echo "$2" > "/sys/block/$1/queue/stable_writes"; }
# mkfile PATH KIB: a file of KIB KiB written and synced (so its pages are clean)
mkfile() {
	dd if=/dev/zero of="$1" bs=1024 count="$2" 2> /dev/null && sync
}
ino_of() { stat -c %i "$1"; }
