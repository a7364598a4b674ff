# shellcheck shell=sh
# wtstat on a kernel with kprobes and fentry: every path the host cannot
# run. The VM side runs the tool and saves its JSON; the host side judges
# with jq. Counts are compared exactly; times only by bucket.

# wait_attached FILE: until wtstat says it is tracing (stderr), at most 60 s
wait_attached() {
	i=0
	while ! grep -q 'tracing with' "$1" 2> /dev/null; do
		[ $i -ge 600 ] && return 1
		grep -q '^wtstat: ' "$1" 2> /dev/null && ! grep -q 'tracing with' "$1" && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# start_wtload STABLE SECONDS: a private loop device; sets WL_PID DEV INO
start_wtload() {
	modprobe loop 2> /dev/null
	modprobe crc32c_generic 2> /dev/null
	modprobe ext4 2> /dev/null
	# Removed here, not by the redirection below: that runs in the background
	# child, so the wait loop could read the previous case's dev= line first.
	rm -f /tmp/wl.out
	wtload --scratch --stable "$1" --fstype ext4 --size-mb 64 --seconds "$2" --mmap 1 \
		--print-dev --delay 20 > /tmp/wl.out 2>&1 &
	WL_PID=$!
	i=0
	while ! grep -q '^dev=' /tmp/wl.out && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	line=$(grep -m1 '^dev=' /tmp/wl.out) || return 1
	DEV=${line#dev=}
	DEV=${DEV%% *}
	INO=${line#*ino=}
	INO=${INO%% *}
}

# The tracefs event for one inode, counted by the kernel itself.
count_events_on() {
	echo 16384 > $TR/buffer_size_kb
	trace_event_on writeback/folio_wait_writeback "ino == $1"
}
count_events_read() {
	grep -c "folio_wait_writeback: .* ino=$1 " $TR/trace
}

vm_case_wtstat_load_all() {
	need_bin load_all || { skip wtstat_load_all "no load_all in the payload"; return; }
	# libbpf's log (verifier output, CO-RE relocations) goes to the host when
	# something failed: files/wtstat_load_all/libbpf.log
	V=1 load_all > /tmp/la.out 2> /tmp/la.log
	! grep -q '^not ok' /tmp/la.out || save_file /tmp/la.log libbpf.log
	while read -r st rest; do
		case "$st $rest" in
		"ok load:"*) ok "wtstat_load_all.${rest#load:}" ;;
		"skip load:"*) n=${rest#load:}; skip "wtstat_load_all.${n%%:*}" "${n#*: }" ;;
		"not ok load:"*) n=${rest#ok load:}; fail "wtstat_load_all.${n%%:*}" "${n#*: }" ;;
		# the programs on every switch or write: a test and a call
		"ok hot:"*) n=${rest#hot:}; ok "wtstat_hot.${n%%:*}" ;;
		"skip hot:"*) n=${rest#hot:}; skip "wtstat_hot.${n%%:*}" "${n#*: }" ;;
		"not ok hot:"*) n=${rest#ok hot:}; fail "wtstat_hot.${n%%:*}" "${n#*: }" ;;
		esac
	done < /tmp/la.out
}

# fentry and kprobe attached at once to the same workload: both must count
# exactly what the tracepoint counts for the file.
vm_case_wtstat_methods() {
	need_bin wtstat && need_bin wtload || { skip wtstat_methods "wtstat or wtload missing"; return; }
	start_wtload 1 4 || { fail wtstat_methods "wtload printed no device: $(tail -n 1 /tmp/wl.out)"; return; }
	for m in fentry kprobe; do
		wtstat --method $m --json --dev "$DEV" -o /tmp/$m.json -d 600 2> /tmp/$m.err &
		eval "PID_$m=\$!"
	done
	wait_attached /tmp/fentry.err && wait_attached /tmp/kprobe.err ||
		{ fail wtstat_methods "not attached: $(tail -n 1 /tmp/fentry.err) / $(tail -n 1 /tmp/kprobe.err)"; }
	count_events_on "$INO"
	wait $WL_PID
	sleep 1
	# shellcheck disable=SC2154
	kill -INT $PID_fentry $PID_kprobe
	wait $PID_fentry $PID_kprobe
	echo 0 > $TR/events/writeback/folio_wait_writeback/enable
	count_events_read "$INO" > /tmp/tracefs.count
	echo "$INO" > /tmp/ino
	for f in fentry.json kprobe.json fentry.err kprobe.err tracefs.count ino wl.out; do save_file /tmp/$f $f; done
	ok wtstat_methods.ran
}

host_check_wtstat_methods() {
	local ino tp m c skipped
	ino=$(cat "$CASE_OUT/ino" 2> /dev/null) || { echo "not ok wtstat_methods.files: no ino saved"; return; }
	tp=$(cat "$CASE_OUT/tracefs.count")
	for m in fentry kprobe; do
		if jq -e ".probes[] | select(.event==\"stable_wait\") | .method==\"$m\" and .attached" "$CASE_OUT/$m.json" > /dev/null 2>&1; then
			echo "ok wtstat_methods.$m.attached"
		else
			echo "not ok wtstat_methods.$m.attached: $(tail -c 300 "$CASE_OUT/$m.err")"
			continue
		fi
		c=$(jq "[.mappings[] | select(.ino==$ino) | .stable_wait.count + .other_wait_count] | add // 0" "$CASE_OUT/$m.json")
		skipped=$(jq '.dropped.kernel_skipped_runs // 0' "$CASE_OUT/$m.json")
		if [ "$c" = "$tp" ] && [ "$tp" -gt 0 ]; then
			echo "ok wtstat_methods.$m.count_equals_tracepoint # $c"
		elif [ "$tp" -gt 0 ] && [ "$c" -le "$tp" ] && [ $((tp - c)) -le "$skipped" ]; then
			# fewer only by runs the kernel skipped (a preempted program
			# already running on that CPU), which wtstat reports
			echo "ok wtstat_methods.$m.count_equals_tracepoint # $c + $((tp - c)) skipped runs, reported"
		else
			echo "not ok wtstat_methods.$m.count_equals_tracepoint: wtstat $c, tracepoint $tp, kernel_skipped_runs $skipped"
		fi
		# every wait ended with its function: none still pending after the writer
		c=$(jq '.totals.waits_in_progress' "$CASE_OUT/$m.json")
		if [ "$c" = 0 ]; then
			echo "ok wtstat_methods.$m.none_left_in_progress"
		else
			echo "not ok wtstat_methods.$m.none_left_in_progress: $c"
		fi
	done
}

vm_case_wtstat_no_stable() {
	need_bin wtstat && need_bin wtload || { skip wtstat_no_stable "wtstat or wtload missing"; return; }
	start_wtload 0 3 || { fail wtstat_no_stable "wtload printed no device"; return; }
	wtstat --json --dev "$DEV" -o /tmp/zero.json -d 600 2> /tmp/zero.err &
	w=$!
	wait_attached /tmp/zero.err || fail wtstat_no_stable "not attached: $(tail -n 1 /tmp/zero.err)"
	wait $WL_PID
	kill -INT $w
	wait $w
	save_file /tmp/zero.json zero.json
	ok wtstat_no_stable.ran
}

host_check_wtstat_no_stable() {
	if jq -e '.totals.stable_wait.count == 0' "$CASE_OUT/zero.json" > /dev/null 2>&1; then
		echo "ok wtstat_no_stable.zero_waits"
	else
		echo "not ok wtstat_no_stable.zero_waits: $(jq -c .totals.stable_wait "$CASE_OUT/zero.json" 2>&1 | head -c 200)"
	fi
}

# The stand-in for the patched kernel, traceable: every begin and end seen.
vm_case_wtstat_wt_traceable() {
	need_bin wtstat || { skip wtstat_wt_traceable "no wtstat"; return; }
	scratch_ext4 || { fail wtstat_wt_traceable "no scratch ext4"; return; }
	# the helpers exist as symbols in the module; let begin/end use them
	wtlab_load traceable expose_stable_helpers=1 || { fail wtstat_wt_traceable "cannot load wtlab"; return; }
	f=$SCRATCH_EXT4/wt-traceable
	mkfile $f 64
	wtstat --json --file $f --probe wt_write=fentry:wtlab_file_writethrough_write \
		-o /tmp/wt.json -d 600 2> /tmp/wt.err &
	w=$!
	wait_attached /tmp/wt.err || { fail wtstat_wt_traceable "not attached: $(tail -n 1 /tmp/wt.err)"; kill $w; return; }
	wtlab-ctl wt $f -o 0 -l 4096 -n 100
	# one request over 4 folios held 2 s under writeback, and a writer on them
	wtlab-ctl wt $f -o 0 -l 16384 -n 1 -H 2000 -a
	wtlab-ctl pwrite $f -o 0 -l 4096 -u -t 30 > /tmp/pw.out
	wtlab-ctl wait
	kill -INT $w
	wait $w
	for x in wt.json wt.err pw.out; do save_file /tmp/$x $x; done
	ok wtstat_wt_traceable.ran
}

host_check_wtstat_wt_traceable() {
	local j=$CASE_OUT/wt.json
	jqok() { # NAME EXPR
		if jq -e "$2" "$j" > /dev/null 2>&1; then echo "ok wtstat_wt_traceable.$1"
		else echo "not ok wtstat_wt_traceable.$1: $(jq -c "$3" "$j" 2>&1 | head -c 300)"; fi
	}
	jqok begin_end_attached '[.probes[] | select(.event=="wt_begin" or .event=="wt_end") | .attached and .method=="fentry"] | all' \
		'[.probes[] | select(.event=="wt_begin" or .event=="wt_end") | {event,method,attached,reason}]'
	jqok exact_counts '.totals.writethrough | .begun == 104 and .ended == 104' '.totals.writethrough'
	jqok inflight_overlap '.totals.writethrough.inflight_max >= 4' '.totals.writethrough'
	jqok stable_time '.mappings[0].stable.time_ns > 0 and .mappings[0].stable.sets >= 1' '.mappings[0].stable'
	jqok waits_attributed '.totals.waits_during_writethrough > 0 and .totals.stable_wait.count > 0' \
		'{w: .totals.waits_during_writethrough, c: .totals.stable_wait.count}'
	jqok write_calls '.totals.writethrough.write_calls == 101' '.totals.writethrough'
	jqok no_anomalies '[.anomalies[]] | add == 0' '.anomalies'
}

# notrace, as RFC v1: the named hooks are refused and the completion
# neighbour stands in; the counts must still be exact.
vm_case_wtstat_wt_notrace() {
	need_bin wtstat || { skip wtstat_wt_notrace "no wtstat"; return; }
	scratch_ext4 || { fail wtstat_wt_notrace "no scratch ext4"; return; }
	wtlab_load notrace || { fail wtstat_wt_notrace "cannot load wtlab_notrace"; return; }
	f=$SCRATCH_EXT4/wt-notrace
	mkfile $f 64
	wtstat --json --file $f --probe dio_complete=kprobe:wtlab_dio_complete \
		--probe wt_write=kprobe:wtlab_file_writethrough_write -o /tmp/nt.json -d 600 2> /tmp/nt.err &
	w=$!
	wait_attached /tmp/nt.err || { fail wtstat_wt_notrace "not attached: $(tail -n 1 /tmp/nt.err)"; kill $w; return; }
	wtlab-ctl wt $f -o 0 -l 4096 -n 100
	wtlab-ctl wait
	kill -INT $w
	wait $w
	save_file /tmp/nt.json nt.json
	save_file /tmp/nt.err nt.err
	ok wtstat_wt_notrace.ran
}

host_check_wtstat_wt_notrace() {
	local j=$CASE_OUT/nt.json
	jqok() {
		if jq -e "$2" "$j" > /dev/null 2>&1; then echo "ok wtstat_wt_notrace.$1"
		else echo "not ok wtstat_wt_notrace.$1: $(jq -c "$3" "$j" 2>&1 | head -c 400)"; fi
	}
	jqok named_hooks_refused_notrace \
		'[.probes[] | select(.event=="wt_begin" or .event=="wt_end") | [.rejected[] | select(.method!="derived") | .reason | test("notrace")] | all and length == 2] | all' \
		'[.probes[] | select(.event=="wt_begin" or .event=="wt_end") | {event,method,rejected}]'
	jqok fallback_attached '.probes[] | select(.event=="dio_complete") | .attached and .method=="kprobe"' \
		'.probes[] | select(.event=="dio_complete")'
	jqok begin_derived '.probes[] | select(.event=="wt_begin") | .method=="derived"' '.probes[] | select(.event=="wt_begin")'
	jqok exact_counts '.totals.writethrough | .ended == 100 and .begun == 100' '.totals.writethrough'
	jqok file_begun_exact '.mappings[0].writethrough | .begun == 100 and .ended == 100' '.mappings[0].writethrough'
}

# mapping_{set,clear}_stable_writes exposed: attached in one wtstat, derived
# in another watching the same run; both must count the same transitions.
vm_case_wtstat_stable_hooks() {
	need_bin wtstat || { skip wtstat_stable_hooks "no wtstat"; return; }
	scratch_ext4 || { fail wtstat_stable_hooks "no scratch ext4"; return; }
	wtlab_load traceable expose_stable_helpers=1 || { fail wtstat_stable_hooks "cannot load wtlab"; return; }
	f=$SCRATCH_EXT4/wt-hooks
	mkfile $f 64
	wtstat --json --file $f -o /tmp/att.json -d 600 2> /tmp/att.err &
	a=$!
	# a hook that cannot exist makes its pair fall back to derivation
	wtstat --json --file $f --probe stable_set=kprobe:no_such_function_wtstat \
		-o /tmp/der.json -d 600 2> /tmp/der.err &
	d=$!
	wait_attached /tmp/att.err && wait_attached /tmp/der.err ||
		fail wtstat_stable_hooks "not attached: $(tail -n 1 /tmp/att.err) / $(tail -n 1 /tmp/der.err)"
	# one at a time: with overlap, which end clears depends on timing
	for i in 1 2 3 4 5 6 7 8 9 10; do
		wtlab-ctl wt $f -o 0 -l 4096 -n 1
		wtlab-ctl wait
	done
	kill -INT $a $d
	wait $a $d
	for x in att.json der.json att.err der.err; do save_file /tmp/$x $x; done
	ok wtstat_stable_hooks.ran
}

host_check_wtstat_stable_hooks() {
	local a=$CASE_OUT/att.json d=$CASE_OUT/der.json sa sd
	if jq -e '.probes[] | select(.event=="stable_set") | .attached and .method=="fentry"' "$a" > /dev/null 2>&1 &&
	   jq -e '.probes[] | select(.event=="stable_set") | .method=="derived"' "$d" > /dev/null 2>&1; then
		echo "ok wtstat_stable_hooks.attached_and_derived"
	else
		echo "not ok wtstat_stable_hooks.attached_and_derived: $(jq -c '.probes[] | select(.event=="stable_set")' "$a" "$d" 2>&1 | head -c 300)"
	fi
	sa=$(jq -c '[.totals.stable.sets, .totals.stable.clears]' "$a")
	sd=$(jq -c '[.totals.stable.sets, .totals.stable.clears]' "$d")
	if [ "$sa" = "$sd" ] && [ "$(jq '.totals.stable.sets' "$a")" -ge 1 ]; then
		echo "ok wtstat_stable_hooks.same_transitions # $sa"
	else
		echo "not ok wtstat_stable_hooks.same_transitions: attached $sa, derived $sd"
	fi
}

# RFC v1's dirty-accounting leak, reproduced by the stand-in (-N cleans a
# dirty folio without accounting): wtstat must count exactly the pages
# leaked, and nothing when the same flow cleans with accounting. A gate
# rule on it fails and passes accordingly.
vm_case_wtstat_dirty_drift() {
	need_bin wtstat || { skip wtstat_dirty_drift "no wtstat"; return; }
	scratch_xfs || { fail wtstat_dirty_drift "no scratch xfs"; return; }
	wtlab_load traceable || { fail wtstat_dirty_drift "cannot load wtlab"; return; }
	leak=$SCRATCH_XFS/drift-leak
	good=$SCRATCH_XFS/drift-good
	mkfile $leak 256
	mkfile $good 256
	dev=$(awk -v m="$SCRATCH_XFS" '$5 == m { print $3 }' /proc/self/mountinfo)
	wtstat --json --dev "$dev" --probe wt_write=fentry:wtlab_file_writethrough_write \
		-o /tmp/drift.json -d 600 2> /tmp/drift.err &
	w=$!
	wait_attached /tmp/drift.err || { fail wtstat_dirty_drift "not attached: $(tail -n 1 /tmp/drift.err)"; kill $w; return; }
	for f in $leak $good; do
		wtlab-ctl wt $f -o 0 -l 262144 -n 1		# the file now uses writethrough
		wtlab-ctl pwrite $f -o 0 -l 262144 -n 1 > /dev/null	# 64 pages dirtied
	done
	wtlab-ctl wt $leak -o 0 -l 262144 -n 1 -N	# cleaned without accounting
	wtlab-ctl wt $good -o 0 -l 262144 -n 1		# cleaned with accounting
	wtlab-ctl wait
	kill -INT $w
	wait $w
	echo "$(stat -c %i $leak) $(stat -c %i $good)" > /tmp/drift.inos
	for x in drift.json drift.err drift.inos; do save_file /tmp/$x $x; done

	# the gate: the same leak must fail dirty_drift.pages == 0, the good flow pass
	# (wtstat watches a file's dirty pages once it has seen writethrough on it)
	cat > /tmp/leak.sh <<-EOS
		wtlab-ctl wt $leak -o 0 -l 16384 -n 1
		wtlab-ctl pwrite $leak -o 0 -l 16384 -n 1 > /dev/null
		wtlab-ctl wt $leak -o 0 -l 16384 -n 1 -N
		wtlab-ctl wait
	EOS
	sed 's/ -N$//' /tmp/leak.sh > /tmp/good.sh
	wtstat gate --rule 'dirty_drift.pages == 0' --probe wt_write=fentry:wtlab_file_writethrough_write \
		-- sh /tmp/leak.sh > /tmp/gate-leak.out 2>&1
	echo $? > /tmp/gate-leak.rc
	wtstat gate --rule 'dirty_drift.pages == 0' --probe wt_write=fentry:wtlab_file_writethrough_write \
		-- sh /tmp/good.sh > /tmp/gate-good.out 2>&1
	echo $? > /tmp/gate-good.rc
	for x in gate-leak.out gate-leak.rc gate-good.out gate-good.rc; do save_file /tmp/$x $x; done
	ok wtstat_dirty_drift.ran
}

host_check_wtstat_dirty_drift() {
	local j=$CASE_OUT/drift.json leak good
	read -r leak good < "$CASE_OUT/drift.inos" || { echo "not ok wtstat_dirty_drift.files: no inodes"; return; }
	if jq -e '.probes[] | select(.event=="dirty_drift") | .method=="derived"' "$j" > /dev/null 2>&1; then
		echo "ok wtstat_dirty_drift.available"
	else
		echo "not ok wtstat_dirty_drift.available: $(jq -c '.probes[] | select(.event=="dirty_drift" or .event=="dirty_cleaned" or .event=="wb_start" or .event=="dirty_dirtied" or .event=="dirty_cancelled") | {event,method,reason}' "$j" 2>&1 | head -c 400)"
		return
	fi
	local dl dg
	dl=$(jq "[.mappings[] | select(.ino==$leak) | .dirty.drift_pages] | add // -1" "$j")
	dg=$(jq "[.mappings[] | select(.ino==$good) | .dirty.drift_pages] | add // -1" "$j")
	if [ "$dl" = 64 ]; then echo "ok wtstat_dirty_drift.leak_counted_exactly # 64 pages"
	else echo "not ok wtstat_dirty_drift.leak_counted_exactly: $dl pages, expected 64 ($(jq -c ".mappings[] | select(.ino==$leak) | .dirty" "$j"))"; fi
	if [ "$dg" = 0 ]; then echo "ok wtstat_dirty_drift.accounted_clean_is_zero"
	else echo "not ok wtstat_dirty_drift.accounted_clean_is_zero: $dg pages ($(jq -c ".mappings[] | select(.ino==$good) | .dirty" "$j"))"; fi
	if jq -e '.totals.dirty_drift.pages == 64 and .anomalies.dirty_drift > 0' "$j" > /dev/null; then
		echo "ok wtstat_dirty_drift.totals_and_anomaly"
	else
		echo "not ok wtstat_dirty_drift.totals_and_anomaly: $(jq -c '.totals.dirty_drift, .anomalies' "$j")"
	fi
	if [ "$(cat "$CASE_OUT/gate-leak.rc")" = 1 ]; then echo "ok wtstat_dirty_drift.gate_fails_on_leak"
	else echo "not ok wtstat_dirty_drift.gate_fails_on_leak: exit $(cat "$CASE_OUT/gate-leak.rc"): $(tail -c 300 "$CASE_OUT/gate-leak.out")"; fi
	if [ "$(cat "$CASE_OUT/gate-good.rc")" = 0 ]; then echo "ok wtstat_dirty_drift.gate_passes_when_accounted"
	else echo "not ok wtstat_dirty_drift.gate_passes_when_accounted: exit $(cat "$CASE_OUT/gate-good.rc"): $(tail -c 300 "$CASE_OUT/gate-good.out")"; fi
}

# A device whose writes take 25 ms (dm-delay) with stable writes: a page
# rewritten right after its writeback was started waits out the whole delay,
# so the wait histogram's mass must sit in the bucket holding 25 ms,
# [16.8, 33.6) ms (25 ms leaves room on both sides for TCG's slowness; a
# writer arriving at a random point of the delay would spread its waits
# over the buckets below it, so the rewrites are wtpress's, each right
# after its own sync_file_range).
vm_case_wtstat_dm_delay() {
	need_bin wtstat && need_bin wtpress && need_bin dmsetup || { skip wtstat_dm_delay "wtstat, wtpress or dmsetup missing"; return; }
	modprobe loop 2> /dev/null; modprobe dm-delay 2> /dev/null
	modprobe crc32c_generic 2> /dev/null; modprobe ext4 2> /dev/null
	truncate -s 96M /tmp/delay.img
	lo=$(losetup -f) && losetup "$lo" /tmp/delay.img || { fail wtstat_dm_delay "no loop device"; return; }
	sz=$(blockdev --getsz "$lo")
	dmsetup create --noudevsync wtdelay --table "0 $sz delay $lo 0 25" && dmsetup mknodes > /dev/null 2>&1 ||
		{ fail wtstat_dm_delay "dmsetup create failed"; losetup -d "$lo"; return; }
	dm=$(basename "$(readlink -f /dev/mapper/wtdelay)")
	[ -e /sys/block/$dm ] || dm=$(ls /sys/block | grep '^dm-' | head -n 1)
	echo 1 > /sys/block/$dm/queue/stable_writes
	mkfs.ext4 -q -F /dev/mapper/wtdelay > /dev/null && mkdir -p /mnt/delay && mount /dev/mapper/wtdelay /mnt/delay ||
		{ fail wtstat_dm_delay "mkfs/mount failed"; dmsetup remove wtdelay; losetup -d "$lo"; return; }
	dev=$(awk '$5 == "/mnt/delay" { print $3 }' /proc/self/mountinfo)
	# the rewrites' waits alone (--comm): ext4's metadata waits are others'
	wtstat --json --dev "$dev" --comm wtpress -o /tmp/delay-rw.json -d 600 2> /tmp/delay-rw.err &
	w=$!
	wait_attached /tmp/delay-rw.err || fail wtstat_dm_delay "not attached: $(tail -n 1 /tmp/delay-rw.err)"
	mkdir /mnt/delay/rw
	wtpress procs /mnt/delay/rw 1 100 > /tmp/delay-rw.out 2>&1
	kill -INT $w
	wait $w
	wtstat --json --dev "$dev" -o /tmp/delay.json -d 600 2> /tmp/delay.err &
	w=$!
	wait_attached /tmp/delay.err || fail wtstat_dm_delay "not attached: $(tail -n 1 /tmp/delay.err)"
	# dirty throttling on the same slow device: tiny limits, a streaming writer;
	# the kernel's own tracepoint lists every pause it planned
	sync
	echo 16384 > $TR/buffer_size_kb
	trace_event_on writeback/balance_dirty_pages "pause > 0"
	old_bytes=$(cat /proc/sys/vm/dirty_bytes) old_ratio=$(cat /proc/sys/vm/dirty_ratio)
	echo 1048576 > /proc/sys/vm/dirty_bytes
	dd if=/dev/zero of=/mnt/delay/stream bs=64k count=256 2> /dev/null
	if [ "$old_bytes" != 0 ]; then echo "$old_bytes" > /proc/sys/vm/dirty_bytes; else echo "$old_ratio" > /proc/sys/vm/dirty_ratio; fi
	echo 0 > $TR/events/writeback/balance_dirty_pages/enable
	grep -o 'balance_dirty_pages: .* pause=[0-9]*' $TR/trace | grep -o 'pause=[0-9]*$' | cut -d= -f2 > /tmp/pauses.ms
	kill -INT $w
	wait $w
	umount /mnt/delay; dmsetup remove wtdelay; losetup -d "$lo"; rm -f /tmp/delay.img
	for x in delay.json delay-rw.json delay-rw.out pauses.ms; do save_file /tmp/$x $x; done
	ok wtstat_dm_delay.ran
}

host_check_wtstat_dm_delay() {
	local j=$CASE_OUT/delay.json rw=$CASE_OUT/delay-rw.json top
	[ -f "$j" ] && [ -f "$rw" ] || { echo "not ok wtstat_dm_delay.json: none saved"; return; }
	# the bucket holding the most waits, among those that slept
	top=$(jq '[.totals.stable_wait.histogram[] | select(.lo_ns > 0)] | max_by(.count) | .lo_ns' "$rw")
	if [ "$top" = 16777216 ] && jq -e '.totals.stable_wait.count >= 50' "$rw" > /dev/null; then
		echo "ok wtstat_dm_delay.mass_in_delay_bucket # $(jq -c '.totals.stable_wait | {count, p50_ns}' "$rw")"
	else
		echo "not ok wtstat_dm_delay.mass_in_delay_bucket: top bucket starts at $top ns: $(jq -c '.totals.stable_wait.histogram' "$rw" | head -c 400) ($(cat "$CASE_OUT/delay-rw.out"))"
	fi
	# throttling: every planned pause seen (slept, or woken before sleeping),
	# and the median sleep in the bucket of the median planned pause or the next
	local planned c med_ms lo hi
	planned=$(wc -l < "$CASE_OUT/pauses.ms")
	c=$(jq '.totals.dirty_throttle.count + .measurement.throttle_without_sleep' "$j")
	if [ "$planned" -gt 0 ] && [ "$c" = "$planned" ]; then
		echo "ok wtstat_dm_delay.throttle_count_equals_tracepoint # $c"
	else
		echo "not ok wtstat_dm_delay.throttle_count_equals_tracepoint: wtstat $c, tracepoint $planned"
	fi
	med_ms=$(sort -n "$CASE_OUT/pauses.ms" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	lo=$(jq '.totals.dirty_throttle.p50_bounds_ns[0]' "$j")
	hi=$(jq '.totals.dirty_throttle.p50_bounds_ns[1]' "$j")
	if awk -v m="${med_ms:-0}" -v lo="$lo" -v hi="$hi" 'BEGIN { p = m * 1e6; exit !(p > 0 && hi > p && lo < 4 * p) }'; then
		echo "ok wtstat_dm_delay.throttle_latency_bucket # planned median ${med_ms} ms, measured p50 in [$lo, $hi) ns"
	else
		echo "not ok wtstat_dm_delay.throttle_latency_bucket: planned median ${med_ms} ms, measured p50 in [$lo, $hi) ns"
	fi
}
