# bench/summarize.jq: raw measurements (bench/run.sh, one JSON object per
# line, slurped) -> bench/results.json. Every figure is {median, min, max, n}
# over the repeated runs; ratios are taken per run (the programs of one run
# saw the same events) and then summarized.
# Arguments: $machine, $smoke (0|1), $reps, $seconds, $when.

def med: sort | if length == 0 then null
	elif length % 2 == 1 then .[(length - 1) / 2]
	else (.[length / 2 - 1] + .[length / 2]) / 2 end;
def rnd($d): if . == null then null else (. * $d | round) / $d end;
def stat($d): map(select(. != null)) |
	if length == 0 then null
	else {median: (med | rnd($d)), min: (min | rnd($d)), max: (max | rnd($d)), n: length} end;
def stat: stat(1000);
def div($a; $b): if $a == null or $b == null or $b == 0 then null else $a / $b end;

# ---- per-event cost -----------------------------------------------------------
# Where a program runs: the attach kind and kernel event bench/run.sh read
# from `bpftool perf show`; fentry/fexit (links, not perf events) and
# anything else unresolved are named from the program's name.
def event_of: if test("fww$|folio_wait_w") then "folio_wait_writeback"
	elif test("_ss$|sched_switch") then "sched_switch"
	elif test("_bdp$|tp_bdp|balance_dirty") then "balance_dirty_pages"
	elif test("fws$|wait_stable|wait_sta") then "folio_wait_stable"
	else . end;
def kind_of: if .type == "tracepoint" then "tracepoint"
	elif .type == "raw_tracepoint" then "raw_tp"
	elif (.name | test("^kretprobe|^empty_krp")) then "kretprobe"
	elif (.name | test("^kprobe|^empty_kp")) then "kprobe"
	elif (.name | test("^fexit|^empty_fx")) then "fexit"
	elif (.name | test("^fentry|^empty_fe")) then "fentry"
	else .type end;
def annotate: map(. + {event: (.event // (.name | event_of)), kind: (.kind // kind_of),
	ns: (if .run_cnt > 0 then .run_time_ns / .run_cnt else null end)});

# The empty_loader process also holds reference programs that do a little.
def is_empty: .name | startswith("empty");
# The loads-only reference: a process of its own ("loads"); records from
# before it moved there have it in the empty programs' process.
def is_loads_only: (.tool == "loads" or .tool == "empty") and (.name | startswith("load"));

# One hook (kind:event) of wtstat over the runs: its cost beside the empty
# program of the same kind and event, and beside bpftrace on the same event.
def hook_summary($recs; $kind; $event):
	[$recs[] | .progs | annotate] as $runs
	| [$runs[] | map(select(.event == $event)) |
		{w: (map(select(.tool == "wtstat" and .kind == $kind)) | first),
		 e: (map(select(.tool == "empty" and .kind == $kind and is_empty)) | first),
		 ep: (map(select(.tool == "empty" and .kind == "tracepoint" and is_empty)) | first),
		 l: (map(select(.kind == $kind and is_loads_only)) | first),
		 # bpftrace's program of the same kind (kprobe, kretprobe, fentry,
		 # fexit in the VM), else its only one on the event (a tracepoint)
		 b: ((map(select(.tool == "bpftrace" and .kind == $kind)) | first)
		     // (map(select(.tool == "bpftrace")) | first))}] as $p
	| {events_per_run: ([$p[].w.run_cnt] | stat(1)),
	   ns_per_event: {
		wtstat: ([$p[].w.ns] | stat(10)),
		empty: ([$p[].e.ns] | stat(10)),
		bpftrace: ([$p[].b.ns] | stat(10)),
		empty_perf_tracepoint: ([$p[].ep.ns] | stat(10)),
		loads_only: ([$p[].l.ns] | stat(10))},
	   wtstat_over_empty: ([$p[] | div(.w.ns; .e.ns)] | stat),
	   wtstat_over_bpftrace: ([$p[] | div(.w.ns; .b.ns)] | stat),
	   bpftrace_over_empty_perf_tracepoint: ([$p[] | div(.b.ns; .ep.ns)] | stat),
	   wtstat_over_loads_only: ([$p[] | div(.w.ns; .l.ns)] | stat),
	   wtstat_minus_empty_ns: ([$p[] | if .w.ns == null or .e.ns == null then null else .w.ns - .e.ns end] | stat(10))};

# All of a tool's BPF time on the stable-wait hooks, per stable wait
# (wtstat's count of them in that run): what one wait costs in total.
def per_wait_tot(f): map(select((.event == "folio_wait_writeback" or .event == "sched_switch") and f))
	| if length == 0 then null else (map(.run_time_ns) | add) end;
def per_wait($recs):
	[$recs[] | .progs | annotate
	 | (map(select(.tool == "wtstat" and .kind == "raw_tp" and .event == "folio_wait_writeback")) | first | .run_cnt // 0) as $waits
	 | {waits: $waits,
	    w: (if $waits > 0 then per_wait_tot(.tool == "wtstat") else null end),
	    e: (if $waits > 0 then per_wait_tot(.tool == "empty" and .kind == "raw_tp" and is_empty) else null end),
	    b: (if $waits > 0 then per_wait_tot(.tool == "bpftrace") else null end)}
	 | .w = div(.w; .waits) | .e = div(.e; .waits) | .b = div(.b; .waits)]
	| {unit: "ns of BPF run time per stable wait, folio_wait_writeback + sched_switch programs together",
	   waits_per_run: ([.[].waits] | stat(1)),
	   wtstat: ([.[].w] | stat(10)), empty: ([.[].e] | stat(10)), bpftrace: ([.[].b] | stat(10)),
	   wtstat_over_empty: ([.[] | div(.w; .e)] | stat), wtstat_over_bpftrace: ([.[] | div(.w; .b)] | stat)};

def hooks_of($recs): [$recs[].progs[] | select(.tool == "wtstat")] | annotate
	| map("\(.kind):\(.event)") | unique;

def cost_by_phase($recs):
	[$recs[].phase] | unique | map(. as $ph
		| [$recs[] | select(.phase == $ph)] as $r
		| {key: $ph, value: (hooks_of($r) | map(. as $h | ($h | split(":")) as [$k, $e]
			| {key: $h, value: hook_summary($r; $k; $e)}) | from_entries)})
	| from_entries;

# ---- targets ------------------------------------------------------------------
# A value over a limit in percent, as text, with the digits that show it
# over: 2.001 against 2 reads "2.001" and "0.001", not "2" and "0".
def pct_over($v; $l): ($v - $l) as $d | (if ($d | rnd(100)) > 0 then 100 else 1000 end) as $p
	| {v: "\($v | rnd($p))", d: (if ($d | rnd($p)) > 0 then "\($d | rnd($p))" else "less than 0.001" end)};
def runs($n): "\($n) run\(if $n == 1 then "" else "s" end)";
def target($id; $what; $value; $op; $limit; $unit):
	if $value == null then {id: $id, what: $what, value: null, limit: $limit, unit: $unit, op: $op, met: null,
		by: "not measured"}
	else ($value | if $op == "<=" then . <= $limit else . >= $limit end) as $ok
	| {id: $id, what: $what, value: $value, limit: $limit, unit: $unit, op: $op, met: $ok,
	   by: (if $ok then null
		elif $unit == "x" then "\($value | rnd(100))x vs \($limit)x: \(($value / $limit) | rnd(10))x over the limit"
		elif $unit == "%" then pct_over($value; $limit) as $o | "\($o.v)% vs \($limit)%: \($o.d) points over"
		else "\($value | rnd(10)) \($unit) vs \($limit) \($unit): \(($value / $limit) | rnd(10))x the limit" end)}
	end;

# A distribution-free 95% interval of the median: the order statistics
# n/2 -+ 0.98 sqrt(n) (normal approximation of the binomial). With fewer
# than 6 values it is the whole range.
def median_ci95: map(select(. != null)) | sort | length as $n
	| if $n == 0 then null else
	  ((($n / 2) - 0.98 * ($n | sqrt)) | floor) as $j
	  | ((1 + ($n / 2) + 0.98 * ($n | sqrt)) | ceil) as $k
	  | [.[([$j, 1] | max) - 1], .[([$k, $n] | min) - 1]] end;

# Judged on the contention-corrected ratio (wall time less the writer's
# run-queue wait) with its interval: met when the whole 95% interval of the
# median is within the limit, missed when all of it is above. When that
# interval holds the limit (other load on a shared machine moves wall time
# by more than 2%), judged on the programs' own run time per write over the
# untraced time per write, if every cost run is on one side of the limit;
# otherwise not resolved. $what names the workload; the basis is added.
def slowdown_target($id; $what; $s):
	"\($what) (wall time less run-queue wait)" as $wall
	| ($s.wtstat.corrected_ratio_to_untraced // $s.wtstat.ratio_to_untraced) as $r
	| ($s.bpf_run_time.share_of_untraced_pct.wtstat // null) as $e
	| if $s == null or $r == null then {id: $id, what: $wall, value: null, limit: 2, unit: "%", op: "<=", met: null, by: "not measured"}
	else (($r.median - 1) * 100) as $v
	| ($r.ci95 // [$r.min, $r.max] | map((. - 1) * 100)) as [$lo, $hi]
	| if $hi <= 2 or $lo > 2 then
		{id: $id, what: $wall, basis: "wall time", value: $v, ci95: [$lo, $hi], limit: 2, unit: "%", op: "<=",
		 met: ($hi <= 2),
		 by: (if $hi <= 2 then null
			else pct_over($v; 2) as $o
			| "\($o.v)% vs 2% (95% interval of the median \($lo | rnd(100))..\($hi | rnd(100))%): \($o.d) points over" end)}
	  elif $e != null and ($e.max <= 2 or $e.min > 2) then
		{id: $id, basis: "programs' run time",
		 what: "\($what), estimated (wall time did not resolve it: \($v | rnd(10))%, 95% interval \($lo | rnd(10))..\($hi | rnd(10))%): wtstat's BPF run time per write over the untraced time per write less run-queue wait, \(runs($e.n)) [\($e.min)..\($e.max)%]",
		 value: $e.median, limit: 2, unit: "%", op: "<=", met: ($e.max <= 2),
		 by: (if $e.max <= 2 then null else pct_over($e.median; 2) as $o | "\($o.v)% vs 2%: \($o.d) points over" end)}
	  else
		{id: $id, what: $wall, basis: "wall time", value: $v, ci95: [$lo, $hi], limit: 2, unit: "%", op: "<=", met: null,
		 by: "not resolved: the interval contains the 2% limit (\($s.rounds) rounds; more rounds narrow it)\(if $e != null then ", and so do wtstat's programs' run times per write (\($e.min)..\($e.max)% of the untraced time)" else "" end)"}
	  end
	end;

# Each tool's BPF run time per write of the workload, per cost run: every
# program of the tool, on every CPU (sched_switch runs for all tasks). For
# the empty programs, the raw tracepoint ones (the kind wtstat uses).
def bpf_ns_per_write($recs; f): [$recs[] | select((.workload.writes // 0) > 0)
	| ([.progs | annotate | .[] | select(f) | .run_time_ns] | add // 0) / .workload.writes];

. as $all
| [$all[] | select(.part == "cost")] as $cost
| [$all[] | select(.part == "slowdown")] as $slow
| [$all[] | select(.part == "cycle" and (.serial | not))] as $cyc
| [$all[] | select(.part == "cycle" and .serial)] as $cycser
| [$all[] | select(.part == "cpu")] as $cpu
| ([$all[] | select(.part == "vm")] | first) as $vm
| ($cost | cost_by_phase(.)) as $pec
| ([$cost[] | select(.phase == "stable_writes_1")] | if length > 0 then per_wait(.) else null end) as $perwait
| ([$all[] | select(.part == "cost_ref")] | [.[].progs | annotate] as $runs
	| if ($runs | length) == 0 then null else
	{what: "bpf_get_stack() alone on raw_tp folio_wait_writeback, attached without wtstat: the price of telling stable waits from others by kernel stack",
	 ns_12_frames: ([$runs[] | map(select(.name | test("^stack12"))) | first | .ns] | stat(10)),
	 ns_4_frames: ([$runs[] | map(select(.name | test("^stack4"))) | first | .ns] | stat(10)),
	 ns_empty: ([$runs[] | map(select(.name == "empty_rtp_fww")) | first | .ns] | stat(10)),
	 note: "the two stack programs run one after the other on each event: the second one finds the unwinder's data warm"} end) as $stackref

# ---- slowdown -----------------------------------------------------------------
| ([$slow[].stable_writes] | unique | map(. as $st
	| [$slow[] | select(.stable_writes == $st)] as $s
	| {key: "stable_writes_\($st)", value: (
		{writes_per_run: ([$s[].workload.writes] | first),
		 rounds: ([$s[].round] | unique | length),
		 # share of each run's time some task waited for a CPU (PSI): the
		 # machine was not ours alone when this is more than a few %
		 cpu_pressure: ([$s[].cpu_pressure] | stat(1000)),
		 untraced: {wall_ms: ([$s[] | select(.config == "untraced") | .workload.wall_ns / 1e6] | stat(100)),
			    writes_per_s: ([$s[] | select(.config == "untraced") | .workload.writes_per_s] | stat(1)),
			    cpu_ms: ([$s[] | select(.config == "untraced") | (.workload.user_ns + .workload.sys_ns) / 1e6] | stat(100)),
			    corrected_ms: ([$s[] | select(.config == "untraced" and .workload.writer_runq_ns != null) | (.workload.wall_ns - .workload.writer_runq_ns) / 1e6] | stat(100)),
			    writer_runq_share: ([$s[] | select(.config == "untraced") | if .workload.writer_runq_ns != null then .workload.writer_runq_ns / .workload.wall_ns else null end] | stat(1000))}}
		+ (["wtstat", "bpftrace"] | map(. as $c | {key: $c, value: {
			wall_ms: ([$s[] | select(.config == $c) | .workload.wall_ns / 1e6] | stat(100)),
			writes_per_s: ([$s[] | select(.config == $c) | .workload.writes_per_s] | stat(1)),
			# per round: this config's time over the untraced run of the same round
			ratio_to_untraced: ([$s[] | select(.config == $c) | . as $x
				| ([$s[] | select(.config == "untraced" and .round == $x.round)] | first) as $u
				| if $u then $x.workload.wall_ns / $u.workload.wall_ns else null end] | stat(10000)),
			# the workload's own CPU time (user + sys), same pairing: less
			# sensitive to other load than wall time
			cpu_ratio_to_untraced: ([$s[] | select(.config == $c) | . as $x
				| ([$s[] | select(.config == "untraced" and .round == $x.round)] | first) as $u
				| if $u then ($x.workload.user_ns + $x.workload.sys_ns) / ($u.workload.user_ns + $u.workload.sys_ns) else null end] | stat(10000)),
			# the judged figure: wall time less the time the writer was
			# runnable but other tasks had the CPUs (its schedstat), so
			# other load on a shared machine drops out; what a tracer
			# adds on the writer's path (programs run in its context, the
			# waits it lengthens) stays in
			corrected_ratio_to_untraced: ([$s[] | select(.config == $c) | . as $x
				| ([$s[] | select(.config == "untraced" and .round == $x.round)] | first) as $u
				| if $u and $x.workload.writer_runq_ns != null and $u.workload.writer_runq_ns != null
				  then ($x.workload.wall_ns - $x.workload.writer_runq_ns) / ($u.workload.wall_ns - $u.workload.writer_runq_ns)
				  else null end]
				| stat(10000) as $st | if $st == null then null else $st + {ci95: (median_ci95 | map(rnd(10000)))} end),
			writer_runq_share: ([$s[] | select(.config == $c) | if .workload.writer_runq_ns != null then .workload.writer_runq_ns / .workload.wall_ns else null end] | stat(1000))}})
		  | from_entries)
		# The programs' own run time beside the untraced time, both per
		# write: what the tracer adds to the machine's work, free of the
		# wall-time noise other load brings (the hooks' dispatch, the same
		# for any program on them, is left out).
		+ ([$s[] | select(.config == "untraced" and (.workload.writes // 0) > 0)
		    | (.workload.wall_ns - (.workload.writer_runq_ns // 0)) / .workload.writes] | med) as $u
		| ([$cost[] | select(.phase == "stable_writes_\($st)")]) as $c
		| if ($c | length) == 0 or $u == null then {} else
		  {wtstat: bpf_ns_per_write($c; .tool == "wtstat"),
		   empty: bpf_ns_per_write($c; .tool == "empty" and .kind == "raw_tp" and is_empty),
		   bpftrace: bpf_ns_per_write($c; .tool == "bpftrace")} as $per
		  | {bpf_run_time: {
			what: "BPF run time per write (cost part, all of a tool's programs) over the untraced time per write less run-queue wait (slowdown part)",
			untraced_ns_per_write: ($u | rnd(10)),
			ns_per_write: ($per | map_values(stat(10))),
			share_of_untraced_pct: ($per | map_values(map(. / $u * 100) | stat(1000)))}} end)})
   | from_entries) as $slowdown

# ---- user space ---------------------------------------------------------------
| ($cyc | map({key: (.mappings | tostring), value: ({
	mappings, cycles: .reps,
	cycle_ms: .cycle_ms.total,
	less_runq_ms: .cycle_ms.total_less_runq,
	stage_median_ms: (.cycle_ms | with_entries(select(.key != "total") | .value = .value.median)),
	prometheus_file: .prom,
	rss_kb, user_bytes_per_mapping: (((.rss_kb.peak - .rss_kb.base) * 1024 / .mappings) | round),
	bpf_map: .map,
	bpf_bytes_per_mapping: ((.map.bytes_memlock / .map.max_entries) | round),
	row_bytes, key_bytes, value_bytes}
	# the same cycle reading all rows, then taking the delta: the two apart
	+ (.mappings as $m | ([$cycser[] | select(.mappings == $m)] | first) as $x
	   | if $x then {serial: {cycle_ms: $x.cycle_ms.total, less_runq_ms: $x.cycle_ms.total_less_runq,
				  stage_median_ms: ($x.cycle_ms | with_entries(select(.key | test("^total") | not) | .value = .value.median))}}
	     else {} end))}) | from_entries) as $cycles
| ($cyc | sort_by(.mappings)) as $cs
| ([range(1; $cs | length) as $i | {
	from: $cs[$i - 1].mappings, to: $cs[$i].mappings,
	user_bytes_per_mapping: ((($cs[$i].rss_kb.peak - $cs[$i - 1].rss_kb.peak) * 1024 / ($cs[$i].mappings - $cs[$i - 1].mappings)) | round),
	bpf_bytes_per_mapping: ((($cs[$i].map.bytes_memlock - $cs[$i - 1].map.bytes_memlock) / ($cs[$i].mappings - $cs[$i - 1].mappings)) | round)}])
	as $slopes
| ($cpu | map({key: .label, value: (if .status then {status} else
	{mappings, args, cpu_percent_of_one_core: ((.share * 100) | rnd(1000)), cpu_ms: ((.cpu_ns / 1e6) | rnd(10)),
	 wall_s: ((.wall_ns / 1e9) | rnd(100)), rss_kb, peak_rss_kb: .hwm_kb,
	 bpf_maps_bytes_memlock: ([.maps[].bytes_memlock] | add),
	 mapping_table_maps: (.maps | map(select(.name == "mapping_rows" or .name == "mapping_slots")))} end)}) | from_entries) as $cpus

# ---- the VM lab ---------------------------------------------------------------
| (if $vm == null then {status: "not run"}
   elif ($vm.records // null) == null then {status: $vm.status}
   else {status: "measured", kernel: $vm.kernel, note: "TCG: absolute times are distorted, compare ratios only",
	 paths: ($vm.records | group_by(.path) | map({key: .[0].path, value: cost_by_phase(.)}) | from_entries)} end) as $vmr

# ---- targets ------------------------------------------------------------------
| ($pec.stable_writes_1 // {}) as $p1
| ($pec.stable_writes_0 // {}) as $p0
| [
	target("cost.wait_begin.vs_empty"; "stable-wait hook raw_tp folio_wait_writeback: wtstat / empty program";
		$p1["raw_tp:folio_wait_writeback"].wtstat_over_empty.median; "<="; 1.5; "x"),
	target("cost.wait_end.vs_empty"; "stable-wait hook raw_tp sched_switch (waits pending): wtstat / empty program";
		$p1["raw_tp:sched_switch"].wtstat_over_empty.median; "<="; 1.5; "x"),
	target("cost.wait_begin.vs_bpftrace"; "stable-wait hook folio_wait_writeback: wtstat / bpftrace";
		$p1["raw_tp:folio_wait_writeback"].wtstat_over_bpftrace.median; "<="; 0.5; "x"),
	target("cost.wait_end.vs_bpftrace"; "stable-wait hook sched_switch: wtstat / bpftrace";
		$p1["raw_tp:sched_switch"].wtstat_over_bpftrace.median; "<="; 0.5; "x"),
	target("cost.no_wait.vs_empty"; "calls with no wait pending (sched_switch, stable_writes=0): wtstat / empty program";
		$p0["raw_tp:sched_switch"].wtstat_over_empty.median; "<="; 1.5; "x"),
	slowdown_target("slowdown.stable_writes_1"; "rewrite workload with stable waits: wtstat slowdown";
		$slowdown.stable_writes_1),
	slowdown_target("slowdown.stable_writes_0"; "rewrite workload without stable waits: wtstat slowdown";
		$slowdown.stable_writes_0),
	target("cycle.100k"; "one interval cycle with 100k mappings (read, delta, order, text, JSON, Prometheus), one thread, wall time less run-queue wait";
		($cycles["100000"].less_runq_ms.median // $cycles["100000"].cycle_ms.median); "<="; 50; "ms"),
	(if ($cpus.export.status // null) != null then
		{id: "cpu.export.10k", what: "wtstat export -i 1 with 10k live mappings: CPU of one core", value: null,
		 limit: 1, unit: "%", op: "<=", met: null, by: $cpus.export.status}
	 else target("cpu.export.10k"; "wtstat export -i 1 with 10k live mappings: CPU of one core";
		$cpus.export.cpu_percent_of_one_core; "<="; 1; "%") end),
	(if ($cs | length) < 3 then
		{id: "memory.linear", what: "memory linear in mappings", value: null, limit: 10, unit: "%", op: "<=",
		 met: null, by: "needs three mapping counts"}
	 else ($cs[0]) as $a | ($cs[-1]) as $z
	 | (($z.rss_kb.peak - $a.rss_kb.peak) / ($z.mappings - $a.mappings)) as $slope
	 | ([$cs[] | ((.rss_kb.peak - ($a.rss_kb.peak + $slope * (.mappings - $a.mappings))) | fabs)] | max) as $dev
	 | target("memory.linear"; "memory linear in mappings: peak RSS off the straight line through the smallest and largest run, share of the largest";
		($dev / $z.rss_kb.peak * 100); "<="; 10; "%") end)
  ]
  + (if $vmr.status == "measured" then
	[$vmr.paths | to_entries[] | .key as $path | .value as $ph
	 | ($ph.stable_writes_1 // {} | to_entries[] | select(.key | test("folio_wait_stable"))
		| target("vm.\($path).\(.key).vs_empty"; "VM, \($path) path: \(.key) with stable waits: wtstat / empty program";
			.value.wtstat_over_empty.median; "<="; 1.5; "x"),
		  (select(.value.ns_per_event.bpftrace != null)
		   | target("vm.\($path).\(.key).vs_bpftrace"; "VM, \($path) path: \(.key) with stable waits: wtstat / bpftrace";
			.value.wtstat_over_bpftrace.median; "<="; 0.5; "x"))),
	   ($ph.stable_writes_0 // {} | to_entries[] | select(.key | test("folio_wait_stable"))
		| target("vm.\($path).\(.key).no_wait"; "VM, \($path) path: \(.key), calls that do not wait: wtstat / empty program";
			.value.wtstat_over_empty.median; "<="; 1.5; "x"))]
    else [] end)
| . as $targets
| ([$targets[] | select(.met == true)] | length) as $nmet
| ([$targets[] | select(.met != null)] | length) as $njudged
| [$targets[] | select(.met == false)] as $missed
| {
	schema_version: 1,
	tool: "wtstat",
	generated: $when,
	mode: (if $smoke == 1 then "smoke" else "full" end),
	duration_s: $seconds,
	machine: $machine,
	method: {
		repeats: $reps,
		statistic: "median over repeated runs, with min and max; ratios are per run, then summarized",
		per_event_cost: "kernel.bpf_stats_enabled=1; run_time_ns/run_cnt deltas from `bpftool prog show -j` over one workload run, programs told apart by the process holding them; wtstat, the empty programs and the loads-only reference (bench/empty.bpf.c, each set held by a process of its own) and bpftrace (bench/equivalent.bt) attached at once, the order of attaching rotating through a 4x4 Williams square (each tool once in each place, right after each other tool once), so the runs go in fours",
		workload: "bench/rewrite.c: 4 KiB pwrite() rewrites of one page, each followed by sync_file_range(WRITE) of it, on a loop-device XFS with stable_writes=1 (every rewrite waits for the last writeback) or 0 (same work, no waits); fixed write count per run, calibrated once",
		slowdown: "the same fixed work untraced, with wtstat, with bpftrace; one round = one run of each, order rotating; ratio per round to that round's untraced run, of wall time, of the workload's CPU time, and (judged) of wall time less the writer thread's run-queue wait from /proc/thread-self/schedstat, which takes other load on a shared machine out; judged met when the whole 95% interval of the median ratio is within 2%, missed when all of it is above; when the interval holds 2%, judged on wtstat's BPF run time per write (part 1, all its programs) over the untraced time per write less run-queue wait: met when every cost run is within 2%, missed when every one is above",
		cycle: "bench/cycle.c: wtstat's maps (real BPF object) filled with N synthetic mappings, every one changing between cycles; a cycle = read maps, delta, order the top rows, text, JSON, Prometheus textfile (as export writes it); timed as the loop runs it (rows copied out of the mapped table, then the delta, in one call), whose wall time less its run-queue wait is judged, and with the read and the delta apart (--serial)"
	},
	per_event_cost: {
		unit: "ns per program run (with bpf_stats' own clock reads)",
		runs: ([$all[] | select(.part == "cost") | .rep] | unique | length),
		tracepoint_path: $pec,
		tracepoint_path_per_stable_wait: $perwait,
		reference_stack_walk: $stackref,
		vm: $vmr
	},
	slowdown: $slowdown,
	user_space: {
		cycle: $cycles,
		memory_slopes: $slopes,
		memory_per_mapping_bytes: (if ($cs | length) >= 2 then
			{user_space_peak_rss: ((($cs[-1].rss_kb.peak - $cs[-2].rss_kb.peak) * 1024 / ($cs[-1].mappings - $cs[-2].mappings)) | round),
			 bpf_map: (($cs[-1].map.bytes_memlock / $cs[-1].map.max_entries) | round),
			 key_plus_value: ($cs[-1].key_bytes + $cs[-1].value_bytes),
			 note: "user space: slope of peak RSS over the largest step (snapshot rows of prev, cur and delta plus read buffers, all sized by max_entries); BPF: bytes_memlock / max_entries of the row array and the preallocated key -> slot hash, paid for --max-mappings whether used or not"}
		 else null end),
		cpu_share_10k_mappings_1s: $cpus
	},
	targets: $targets,
	summary: ("bench: \($nmet) of \($njudged) targets met"
		+ (if ($missed | length) > 0 then " (missed: " + ($missed | map("\(.id) by \(.by)") | join("; ")) + ")" else "" end)
		+ ([$targets[] | select(.met == null)] as $nj
			| if ($nj | length) > 0 then "; \($nj | length) not judged (" + ($nj | map(.id) | join(", ")) + ")" else "" end))
}
