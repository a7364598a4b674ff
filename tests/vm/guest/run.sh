# shellcheck shell=dash
# Case runner inside the VM: /payload/run.sh, started by /init with stdout on
# the results port. Runs each case named in /payload/cases.list (function
# vm_case_NAME from /payload/cases/*.sh) in its own shell with a time limit,
# and adds a failure when a case printed no result, timed out, or made the
# kernel log a warning, BUG or oops.
T=${WT_CASE_TIMEOUT:-120}
. /payload/lib.sh

echo "# vm: $(nproc) CPUs, runner started at uptime $(cut -d' ' -f1 /proc/uptime) s"
dmesg > /tmp/dmesg.all
dmesg -c > /dev/null
tr_reset 2> /dev/null

while read -r name; do
	[ -n "$name" ] || continue
	out=/tmp/case.$name.out
	err=/tmp/case.$name.err
	start=$(cut -d' ' -f1 /proc/uptime)
	WT_CASE=$name timeout -s KILL "$T" sh -c \
		'. /payload/lib.sh; for f in /payload/cases/*.sh; do . "$f"; done; "vm_case_$WT_CASE"' \
		> "$out" 2> "$err" < /dev/null
	rc=$?
	cat "$out"
	end=$(cut -d' ' -f1 /proc/uptime)
	echo "# case $name: exit $rc, $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s"
	if [ $rc -eq 137 ]; then
		echo "not ok $name: timed out after ${T}s"
	elif ! grep -qE '^(not )?ok ' "$out"; then
		echo "not ok $name: printed no result (exit $rc)"
	fi
	if grep -q '^not ok ' "$out" || [ $rc -ne 0 ]; then
		tail -n 20 "$err" | sed 's/^/# stderr: /'
	fi
	dmesg -c > /tmp/dmesg.$name
	cat /tmp/dmesg.$name >> /tmp/dmesg.all
	bad=$(grep -m1 -E 'BUG:|WARNING:|Oops|general protection|Kernel panic|hung_task|INFO: task' /tmp/dmesg.$name)
	[ -z "$bad" ] || echo "not ok $name.kernel_log: $bad"
	# leave a clean state for the next case
	tr_reset 2> /dev/null
	wtlab_unload 2> /dev/null
	for d in /sys/block/ram*/queue/stable_writes; do [ -f "$d" ] && echo 0 > "$d"; done
done < /payload/cases.list

WT_CASE=vm save_file /tmp/dmesg.all dmesg
echo "# vm: cases done at uptime $(cut -d' ' -f1 /proc/uptime) s"
exit 0
