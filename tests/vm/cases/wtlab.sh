# shellcheck shell=dash
# Cases for the wtlab module itself (the stand-in for the RFC kernel): they
# need nothing from wtstat. Contract: see the top of tests/vm/vmtest.sh.

# (a) both variants load, create /dev/wtlab, and have BTF (for fentry)
vm_case_module_load() {
	for v in traceable notrace; do
		m=wtlab
		[ $v = notrace ] && m=wtlab_notrace
		if wtlab_load $v; then ok module_load.$v; else fail module_load.$v "loading $m.ko failed"; continue; fi
		if [ -f /sys/kernel/btf/$m ]; then ok module_load.$v.btf
		else fail module_load.$v.btf "no /sys/kernel/btf/$m (module built without BTF)"; fi
		wtlab_unload || fail module_load.$v.unload "rmmod $m failed"
	done
}

# (b) kprobe events: accepted on the traceable variant, refused on notrace
vm_case_kprobe_attach() {
	wtlab_load traceable || { fail kprobe_attach "cannot load wtlab"; return; }
	for f in inode_writethrough_begin inode_writethrough_end; do
		if kprobe_add wt_$f $f; then ok kprobe_attach.traceable.$f
		else fail kprobe_attach.traceable.$f "refused: $KPROBE_ERR"; fi
	done
	wtlab_load notrace || { fail kprobe_attach "cannot load wtlab_notrace"; return; }
	for f in inode_writethrough_begin inode_writethrough_end; do
		if kprobe_add wt_$f $f; then
			fail kprobe_attach.notrace.$f "accepted, expected a refusal"
		else
			case "$KPROBE_ERR" in
			*"Could not probe notrace function"*)
				ok kprobe_attach.notrace.$f
				note "refused: ${KPROBE_ERR#*] }" ;;
			*) fail kprobe_attach.notrace.$f "refused, but not as notrace: $KPROBE_ERR" ;;
			esac
		fi
	done
	# the neighbours stay traceable, as in the patched kernel
	for f in wtlab_file_writethrough_write wtlab_dio_complete; do
		if kprobe_add nb_$f $f; then ok kprobe_attach.notrace.$f
		else fail kprobe_attach.notrace.$f "refused: $KPROBE_ERR"; fi
	done
}

# (c) 100 writethroughs on ext4/brd: 100 begins and 100 ends by kprobe count
vm_case_wt_count() {
	scratch_ext4 || { fail wt_count "no scratch ext4"; return; }
	wtlab_load traceable || { fail wt_count "cannot load wtlab"; return; }
	f=$SCRATCH_EXT4/wt_count
	mkfile $f 64
	kprobe_add wt_begin inode_writethrough_begin &&
		kprobe_add wt_end inode_writethrough_end &&
		kprobe_add wt_write wtlab_file_writethrough_write &&
		kprobe_add wt_dio wtlab_dio_complete ||
		{ fail wt_count "kprobe refused: $KPROBE_ERR"; return; }
	wtlab-ctl wt $f -o 0 -l 4096 -n 100 || { fail wt_count "wtlab-ctl wt failed"; return; }
	expect_eq wt_count.begin "$(kprobe_hits wt_begin)" 100 "inode_writethrough_begin hits"
	expect_eq wt_count.end "$(kprobe_hits wt_end)" 100 "inode_writethrough_end hits"
	expect_eq wt_count.requests "$(kprobe_hits wt_write)" 100 "wtlab_file_writethrough_write hits"
	expect_eq wt_count.completions "$(kprobe_hits wt_dio)" 100 "wtlab_dio_complete hits"
	st=$(wtlab-ctl state $f)
	note "after: $st"
	case "$st" in
	*" inflight=0 mapping_stable=0 "*) ok wt_count.state_after ;;
	*) fail wt_count.state_after "expected inflight=0 mapping_stable=0, got: $st" ;;
	esac
	# one request over 4 pages = 4 begins, 4 ends, in flight together
	echo > $TR/trace
	wtlab-ctl wt $f -o 0 -l 16384 -n 1 -H 3000 -a || { fail wt_count.overlap "wtlab-ctl wt failed"; return; }
	i=0
	while [ $i -lt 20 ]; do
		st=$(wtlab-ctl state $f)
		case "$st" in *" inflight=4 "*) break ;; esac
		sleep 0.1
		i=$((i + 1))
	done
	note "during: $st"
	case "$st" in
	*" inflight=4 mapping_stable=1 "*) ok wt_count.overlap ;;
	*) fail wt_count.overlap "expected inflight=4 mapping_stable=1 while held, got: $st" ;;
	esac
	wtlab-ctl wait
	expect_eq wt_count.overlap_ends "$(kprobe_hits wt_end)" 104 "inode_writethrough_end hits"
}

# (d) a writethrough held under writeback makes a concurrent pwrite() on the
# same page sleep (writeback:folio_wait_writeback from the writer), and only
# because of the stable mode it set: the NO_BEGIN control makes no sleeps
vm_case_stable_wait() {
	scratch_ext4 || { fail stable_wait "no scratch ext4"; return; }
	wtlab_load traceable || { fail stable_wait "cannot load wtlab"; return; }
	for mode in wt control; do
		f=$SCRATCH_EXT4/stable_wait_$mode
		mkfile $f 16
		ino=$(ino_of $f)
		flags=
		[ $mode = control ] && flags=-B
		echo 0 > $TR/events/writeback/folio_wait_writeback/enable
		echo > $TR/trace
		trace_event_on writeback/folio_wait_writeback "ino == $ino"
		wtlab-ctl wt $f -o 0 -l 4096 -n 20 -H 50 -a $flags || { fail stable_wait.$mode "wtlab-ctl wt failed"; continue; }
		res=$(wtlab-ctl pwrite $f -o 0 -l 4096 -u -t 30)
		wtlab-ctl wait
		echo 0 > $TR/events/writeback/folio_wait_writeback/enable
		n=$(grep -c "wtlab-ctl-.*folio_wait_writeback: .* ino=$ino " $TR/trace)
		note "$mode: pwrite $res; writer sleeps in folio_wait_writeback: $n"
		if [ $mode = wt ]; then
			expect_ge stable_wait.writer_sleeps "$n" 1 "writer's folio_wait_writeback events"
		else
			expect_eq stable_wait.control_no_sleep "$n" 0 "writer's folio_wait_writeback events without begin"
		fi
	done
}

# (e) expose_stable_helpers=1: the helpers exist by their kernel names and
# begin/end go through them
vm_case_stable_helpers() {
	scratch_ext4 || { fail stable_helpers "no scratch ext4"; return; }
	wtlab_load traceable expose_stable_helpers=1 || { fail stable_helpers "cannot load wtlab"; return; }
	for s in mapping_set_stable_writes mapping_clear_stable_writes; do
		if grep -qE "^[0-9a-f]+ [Tt] $s	\[wtlab\]" /proc/kallsyms; then ok stable_helpers.kallsyms.$s
		else fail stable_helpers.kallsyms.$s "not in /proc/kallsyms as a wtlab text symbol"; fi
	done
	f=$SCRATCH_EXT4/stable_helpers
	mkfile $f 16
	kprobe_add h_set mapping_set_stable_writes && kprobe_add h_clear mapping_clear_stable_writes ||
		{ fail stable_helpers "kprobe refused: $KPROBE_ERR"; return; }
	wtlab-ctl wt $f -n 10
	expect_eq stable_helpers.set_calls "$(kprobe_hits h_set)" 10 "mapping_set_stable_writes hits"
	# clear runs each time the count drops to 0; the next request's begin may
	# come before the previous end (writeback ends before the completion),
	# so between 1 and 10 clears, and stable mode off at the end
	n=$(kprobe_hits h_clear)
	if [ "$n" -ge 1 ] && [ "$n" -le 10 ]; then ok stable_helpers.clear_calls
	else fail stable_helpers.clear_calls "mapping_clear_stable_writes hits: $n, expected 1..10"; fi
	note "mapping_clear_stable_writes hits: $n for 10 writethroughs"
	st=$(wtlab-ctl state $f)
	case "$st" in
	*" inflight=0 mapping_stable=0 "*) ok stable_helpers.state_after ;;
	*) fail stable_helpers.state_after "expected inflight=0 mapping_stable=0, got: $st" ;;
	esac
	echo 0 > /sys/module/wtlab/parameters/expose_stable_helpers
	wtlab-ctl wt $f -n 10
	expect_eq stable_helpers.param_off "$(kprobe_hits h_set)" 10 "mapping_set_stable_writes hits with expose_stable_helpers=0"
}

# end leaves stable mode alone when the device requires it (v1_clear=1: RFC
# v1 clears it anyway); begin without end leaves the mapping stable
vm_case_dev_stable() {
	scratch_ext4 || { fail dev_stable "no scratch ext4"; return; }
	wtlab_load traceable || { fail dev_stable "cannot load wtlab"; return; }
	f=$SCRATCH_EXT4/dev_stable
	mkfile $f 16
	set_stable_writes ram0 1
	wtlab-ctl wt $f -n 3
	st=$(wtlab-ctl state $f)
	case "$st" in
	*" inflight=0 mapping_stable=1 dev_stable=1 "*) ok dev_stable.kept ;;
	*) fail dev_stable.kept "expected inflight=0 mapping_stable=1 dev_stable=1, got: $st" ;;
	esac
	echo 1 > /sys/module/wtlab/parameters/v1_clear
	wtlab-ctl wt $f -n 3
	st=$(wtlab-ctl state $f)
	case "$st" in
	*" inflight=0 mapping_stable=0 dev_stable=1 "*) ok dev_stable.v1_clear ;;
	*) fail dev_stable.v1_clear "expected inflight=0 mapping_stable=0 dev_stable=1, got: $st" ;;
	esac
	set_stable_writes ram0 0
	echo 0 > /sys/module/wtlab/parameters/v1_clear
	wtlab-ctl begin $f -n 2
	st=$(wtlab-ctl state $f)
	case "$st" in
	*" inflight=2 mapping_stable=1 "*) ok dev_stable.leaked_begin ;;
	*) fail dev_stable.leaked_begin "expected inflight=2 mapping_stable=1, got: $st" ;;
	esac
	wtlab-ctl end $f -n 3
	st=$(wtlab-ctl state $f)
	case "$st" in
	*" inflight=-1 "*) ok dev_stable.negative ;;
	*) fail dev_stable.negative "expected inflight=-1 after 2 begins and 3 ends, got: $st" ;;
	esac
}

# WTLAB_F_NOACCT reproduces RFC v1's dirty-accounting leak: folios that were
# dirty end clean but nr_dirty keeps them; the accounted default does not.
# On xfs (iomap, as the RFC): ext4's buffer heads would stay dirty and keep
# later rewrites from dirtying the folio again.
wtlab_nr_dirty() {
	echo 1 > /proc/sys/vm/stat_refresh 2> /dev/null	# fold the per-cpu counts
	awk '$1 == "nr_dirty" { print $2 }' /proc/vmstat
}
vm_case_noacct_leak() {
	scratch_xfs || { fail noacct_leak "no scratch xfs"; return; }
	wtlab_load traceable || { fail noacct_leak "cannot load wtlab"; return; }
	f=$SCRATCH_XFS/noacct_leak
	mkfile $f 256
	base=$(wtlab_nr_dirty)
	for mode in acct noacct; do
		dd if=/dev/zero of=$f bs=4096 count=64 conv=notrunc 2> /dev/null
		dirty=$(wtlab_nr_dirty)
		if [ $mode = acct ]; then wtlab-ctl wt $f -l 262144; else wtlab-ctl wt $f -l 262144 -N; fi
		sync
		after=$(wtlab_nr_dirty)
		note "$mode: nr_dirty $base at start, $dirty after rewriting 64 pages, $after after the writethrough and sync"
		if [ $mode = acct ]; then after_acct=$after; else after_noacct=$after; fi
	done
	leak=$((after_noacct - after_acct))
	if [ $leak -ge 60 ] && [ $leak -le 68 ]; then ok noacct_leak.leaks
	else fail noacct_leak.leaks "nr_dirty leaked $leak pages with NOACCT, expected 64"; fi
	if [ "$after_acct" -le $((base + 4)) ]; then ok noacct_leak.accounted_clean
	else fail noacct_leak.accounted_clean "nr_dirty is $after_acct after accounted writethroughs and sync (start: $base)"; fi
}
