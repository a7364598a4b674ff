# shellcheck shell=sh
# The tracepoint path (--method tracepoint) on Debian's kernel: stable waits
# told from other writeback waits by their caller, read from a stack window
# that one unwind per call site teaches. The kernel's own unwinder, the
# tracepoint's stacktrace trigger, classifies the same events: wtload's
# writes and mmap stores wait as stable waits, dd's fsyncs as others.
# Uses wait_attached and start_wtload from wtstat.sh.

vm_case_wtstat_callers() {
	need_bin wtstat && need_bin wtload || { skip wtstat_callers "wtstat or wtload missing"; return; }
	start_wtload 1 4 || { fail wtstat_callers "wtload printed no device"; return; }
	file=$(sed -n 's/.*file=\([^ ]*\).*/\1/p' /tmp/wl.out | head -n 1)
	trace_event_on writeback/folio_wait_writeback "ino == $INO"
	echo "stacktrace if ino == $INO" > "$TR/events/writeback/folio_wait_writeback/trigger"
	wtstat --method tracepoint --json --dev "$DEV" -o /tmp/callers.json -d 600 2> /tmp/callers.err &
	w=$!
	wait_attached /tmp/callers.err || fail wtstat_callers "not attached: $(tail -n 1 /tmp/callers.err)"
	echo wtstat-attached > "$TR/trace_marker"
	# fsync waits beside wtload's stable ones, until wtload's run is over
	# (it unmounts then: dd must not write into the bare mount point)
	while ! grep -q '^writes=' /tmp/wl.out && kill -0 "$WL_PID" 2> /dev/null; do
		dd if=/dev/zero of="$file" bs=4096 count=1 conv=notrunc,fsync 2> /dev/null
	done
	wait "$WL_PID"
	kill -INT $w
	wait $w
	echo "!stacktrace if ino == $INO" > "$TR/events/writeback/folio_wait_writeback/trigger"
	echo 0 > "$TR/events/writeback/folio_wait_writeback/enable"
	# the kernel's unwinder's verdicts, judged here: the trace is too big
	# for the result port
	callers_judge < "$TR/trace" > /tmp/callers.unwinder
	save_file /tmp/callers.json callers.json
	save_file /tmp/callers.unwinder unwinder.txt
	ok wtstat_callers.ran
}

# "STABLE OTHER EARLY" from a trace with stack traces (EARLY: events before
# the marker, when wtload began before wtstat had attached). Each event is followed by
# a "<stack trace>" entry on the same CPU (entries of the CPUs interleave),
# then " => frame" lines: the first two frames that are not the tracing
# machinery are the waiting function and its caller, judged by the names
# wtstat treats as stable-wait functions (src/kernel_desc.c).
callers_judge() {
	awk '
		function stable(fn) {
			if (fn ~ /^__pfx_|trace|probestub/) return 0
			return fn == "folio_wait_stable" || fn ~ /^__filemap_get_folio/ || fn ~ /write_begin/ ||
			       fn ~ /page_mkwrite/ || fn == "__iomap_get_folio" || fn == "iomap_get_folio"
		}
		function judge() { if (in_stack) { if (stable(f[0]) || stable(f[1])) st++; else ot++ } in_stack = n = 0 }
		function cpu() { match($0, /\[[0-9]+\]/); return substr($0, RSTART, RLENGTH) }
		/^ => / { if (!in_stack) next
			fn = $2; sub(/\+.*/, "", fn)
			if (fn ~ /trace|^__bpf|^bpf_|event_triggers/) next
			if (n < 2) f[n++] = fn
			next }
		{ judge() }
		/wtstat-attached/ { attached = 1 }
		/folio_wait_writeback: / { if (!attached) { early++; next } pending[cpu()]++ }
		/<stack trace>/ { c = cpu(); if (pending[c]) { pending[c]--; in_stack = 1 } }
		END { judge(); print st + 0, ot + 0, early + 0 }'
}

host_check_wtstat_callers() {
	local j=$CASE_OUT/callers.json u=$CASE_OUT/unwinder.txt st ot early ws wo
	[ -f "$j" ] && [ -f "$u" ] || { echo "not ok wtstat_callers.files: none saved"; return; }
	read -r st ot early < "$u"
	ws=$(jq '[.mappings[] | .stable_wait.count] | add // 0' "$j")
	wo=$(jq '[.mappings[] | .other_wait_count] | add // 0' "$j")
	if [ "$st" -gt 0 ] && [ "$ot" -gt 0 ]; then
		echo "ok wtstat_callers.both_kinds"
	else
		echo "not ok wtstat_callers.both_kinds: stable $st, other $ot by the kernel's unwinder"
	fi
	if [ "${early:-0}" -gt 0 ]; then
		echo "ok wtstat_callers.equal_to_unwinder # SKIP $early waits before wtstat had attached (a slow VM)"
	elif [ "$ws" = "$st" ] && [ "$wo" = "$ot" ]; then
		echo "ok wtstat_callers.equal_to_unwinder"
	elif [ "$ws" -le "$st" ] && [ "$wo" -le "$ot" ] &&
	     [ $((st + ot - ws - wo)) -le "$(jq '.dropped.kernel_skipped_runs // 0' "$j")" ]; then
		# a preemptible kernel skips a run of a program already running on
		# that CPU; wtstat reports those runs, so fewer is right only by them
		echo "ok wtstat_callers.equal_to_unwinder # $((st + ot - ws - wo)) runs skipped by the kernel, reported as kernel_skipped_runs"
	else
		echo "not ok wtstat_callers.equal_to_unwinder: wtstat stable $ws other $wo, unwinder stable $st other $ot, kernel_skipped_runs $(jq '.dropped.kernel_skipped_runs' "$j")"
	fi
	if jq -e '.measurement | .callers_by_stack_window > 0 and .callers_by_unwind < .callers_by_stack_window' "$j" > /dev/null; then
		echo "ok wtstat_callers.window_decides"
	else
		echo "not ok wtstat_callers.window_decides: $(jq -c '.measurement | {callers_by_stack_window, callers_by_unwind}' "$j")"
	fi
}
