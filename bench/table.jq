# bench/table.jq: bench/results.json -> the readable table (jq -r).
def pad($n): tostring | if length >= $n then . else . + (" " * ($n - length)) end;
def lpad($n): tostring | if length >= $n then . else (" " * ($n - length)) + . end;
def num: if . == null then "-" elif (. | fabs) >= 100 then (. | round | tostring)
	elif (. | fabs) >= 10 then ((. * 10 | round) / 10 | tostring)
	else ((. * 100 | round) / 100 | tostring) end;
def runs: "\(.) run\(if . == 1 then "" else "s" end)";
def s: if . == null then "-" else "\(.median | num) [\(.min | num)..\(.max | num)]" end;
def cost_table($pec):
	($pec | to_entries[] | .key as $ph | .value | to_entries[] | select((.value.events_per_run.median // 0) >= 100) |
	"  \($ph | pad(16)) \(.key | pad(27)) \(.value.events_per_run.median // "-" | tostring | lpad(8))  "
	+ "\(.value.ns_per_event.wtstat | s | pad(24)) \(.value.ns_per_event.empty | s | pad(20)) "
	+ "\(.value.ns_per_event.bpftrace | s | pad(22)) \(.value.wtstat_over_empty | s | pad(22)) "
	+ "\(.value.wtstat_over_bpftrace | s)");

"wtstat benchmark (\(.mode) run, \(.generated), \(.duration_s) s)",
"machine: \(.machine.os), kernel \(.machine.kernel), \(.machine.nproc) CPUs, \(.machine.cpu_model), \(.machine.mem_total_kb / 1048576 | . * 10 | round / 10) GiB, \(.machine.virtualization)",
"  stable waits via \(.machine.stable_wait_hook), wait end via \(.machine.latency_end_hook); \(.machine.bpftrace); load \(.machine.loadavg_start) -> \(.machine.loadavg_end)",
"figures: median [min..max] over \(.method.repeats | runs)\(if (.per_event_cost.runs // .method.repeats) != .method.repeats then " (part 1: \(.per_event_cost.runs), in fours)" else "" end)",
"",
"1. per-event BPF cost, ns per program run (kernel.bpf_stats_enabled=1), all attached during the same workload\(if (.per_event_cost.runs // 0) > 0 then ", \(.per_event_cost.runs | runs)" else "" end)",
"  \("phase" | pad(16)) \("hook" | pad(27)) \("events" | lpad(8))  \("wtstat" | pad(24)) \("empty" | pad(20)) \("bpftrace" | pad(22)) \("wtstat/empty" | pad(22)) wtstat/bpftrace",
cost_table(.per_event_cost.tracepoint_path),
(.per_event_cost.tracepoint_path_per_stable_wait // empty |
	"  per stable wait (both hooks' BPF time / waits): wtstat \(.wtstat | s) ns, empty \(.empty | s) ns, bpftrace \(.bpftrace | s) ns; wtstat/empty \(.wtstat_over_empty | s), wtstat/bpftrace \(.wtstat_over_bpftrace | s)"),
(.per_event_cost.tracepoint_path.stable_writes_0["raw_tp:sched_switch"] // empty | select(.ns_per_event.loads_only != null) |
	"  reference: a sched_switch program that only tests two words of its .bss (wtstat's path with nothing pending): \(.ns_per_event.loads_only | s) ns; wtstat / it \(.wtstat_over_loads_only | s)"),
(.per_event_cost.reference_stack_walk // empty |
	"  reference: bpf_get_stack() alone on folio_wait_writeback: 12 frames \(.ns_12_frames | s) ns, then 4 frames (warm) \(.ns_4_frames | s) ns; empty \(.ns_empty | s) ns"),
(if .per_event_cost.vm.status == "measured" then
	"  VM lab (kernel \(.per_event_cost.vm.kernel), TCG: ratios only)",
	(.per_event_cost.vm.paths | to_entries[] | "  path \(.key):", cost_table(.value),
		(.value.stable_writes_0 // {} | to_entries[] | select(.value.ns_per_event.loads_only != null) |
		"  reference: a \(.key | split(":")[0]) that only reads the folio's first 32 bytes (wtstat's path when the call will not wait): \(.value.ns_per_event.loads_only | s) ns; wtstat / it \(.value.wtstat_over_loads_only | s)"))
 else "  VM lab (kprobe, fentry paths): \(.per_event_cost.vm.status)" end),
"",
"2. workload slowdown (fixed work; time with the tracer over the untraced time of the same round)",
"  \("workload" | pad(16)) \("writes" | lpad(8))  \("untraced ms" | pad(24)) \("wtstat ratio" | pad(26)) bpftrace ratio",
(.slowdown | to_entries[] |
	"  \(.key | pad(16)) \(.value.writes_per_run | tostring | lpad(8))  \(.value.untraced.wall_ms | s | pad(24)) "
	+ "\(.value.wtstat.ratio_to_untraced | s | pad(26)) \(.value.bpftrace.ratio_to_untraced | s)",
	"  \("" | pad(16)) \("CPU time" | lpad(8))  \(.value.untraced.cpu_ms | s | pad(24)) "
	+ "\(.value.wtstat.cpu_ratio_to_untraced | s | pad(26)) \(.value.bpftrace.cpu_ratio_to_untraced | s)"
	+ "   (CPU pressure \(.value.cpu_pressure.median // null | if . == null then "-" else (. * 100 | num) + "%" end), \(.value.rounds) rounds)",
	"  \("" | pad(16)) \("less rq" | lpad(8))  \(.value.untraced.corrected_ms | s | pad(24)) "
	+ "\(.value.wtstat.corrected_ratio_to_untraced | s | pad(26)) \(.value.bpftrace.corrected_ratio_to_untraced | s)"
	+ "   (judged when its interval resolves; wtstat's 95% interval of the median \(.value.wtstat.corrected_ratio_to_untraced.ci95 // null | if . == null then "-" else map(num) | join("..") end); writer runnable but waiting for a CPU \(.value.untraced.writer_runq_share.median // null | if . == null then "-" else (. * 100 | num) + "%" end) of untraced wall time)",
	(.value.bpf_run_time // empty |
	"  \("" | pad(16)) \("BPF ns/w" | lpad(8))  \(.untraced_ns_per_write | num | pad(24)) "
	+ "\(.ns_per_write.wtstat | s | pad(26)) \(.ns_per_write.bpftrace | s)"
	+ "   (the programs' run time per write, from part 1, judged otherwise; as a share of the untraced time less rq: wtstat \(.share_of_untraced_pct.wtstat | s)%, empty \(.share_of_untraced_pct.empty | s)%, bpftrace \(.share_of_untraced_pct.bpftrace | s)%)")),
"",
"3. user space",
"  one interval cycle (read maps, delta, order the top rows, text, JSON, Prometheus file), as the loop runs it (read, then delta, in one call):",
(.user_space.cycle | to_entries | sort_by(.value.mappings)[] | .value |
	"  \(.mappings | tostring | lpad(7)) mappings: \(.cycle_ms | s) ms, less run-queue wait \(.less_runq_ms | s) ms (judged)  (read+delta \(.stage_median_ms.read | num), order \(.stage_median_ms.sort | num), text \(.stage_median_ms.text | num), json \(.stage_median_ms.json | num), prom \(.stage_median_ms.prom | num) ms); peak RSS \(.rss_kb.peak / 1024 | num) MiB; BPF per-file table \(.bpf_map.bytes_memlock / 1048576 | num) MiB",
	(.serial // empty | "  \("" | lpad(7))   read, then delta: \(.cycle_ms | s) ms  (read \(.stage_median_ms.read | num), delta \(.stage_median_ms.delta | num), order \(.stage_median_ms.sort | num), prom \(.stage_median_ms.prom | num) ms)")),
"  memory per mapping: BPF map \(.user_space.cycle | [.[].bpf_bytes_per_mapping] | unique | map(tostring) | join("/")) bytes (row \(.user_space.cycle | [.[].row_bytes] | first) in the mapped array + key -> slot hash entry, preallocated for --max-mappings)",
(.user_space.memory_slopes[] | "    user space, \(.from) -> \(.to) mappings: \(.user_bytes_per_mapping) bytes of peak RSS per added mapping"),
(.user_space.memory_per_mapping_bytes // empty | "    per mapping: \(.user_space_peak_rss) bytes of user-space peak RSS + \(.bpf_map) bytes of BPF map (\(.key_plus_value) of key and value)"),
"  CPU share with 10k live mappings, 1 s interval:",
(.user_space.cpu_share_10k_mappings_1s | to_entries[] |
	if .value.status then "    \(.key | pad(9)) \(.value.status)"
	else "    \(.key | pad(9)) \(.value.cpu_percent_of_one_core | num)% of one core over \(.value.wall_s) s; RSS \(.value.rss_kb / 1024 | num) MiB (peak \(.value.peak_rss_kb / 1024 | num)); BPF maps \(.value.bpf_maps_bytes_memlock / 1048576 | num) MiB" end),
"",
"targets:",
(.targets[] | "  [\(if .met == true then "met " elif .met == false then "MISS" else "n/a " end)] \(.what): \(if .value == null then .by else "\(.value | num)\(if .unit == "x" then "x" else " " + .unit end)\(if .ci95 then " (95% interval \(.ci95 | map(num) | join(".."))\(.unit))" else "" end) (limit \(.op) \(.limit)\(if .unit == "x" then "x" else " " + .unit end))\(if .met == false then ", missed by " + .by elif .met == null then ": " + .by else "" end)" end)"),
"",
.summary
