# shellcheck shell=dash
# Example of a wtstat case: run the tool in the VM, send its JSON to the
# host, check it there with jq. Copy this pattern for real wtstat cases.

vm_case_wtstat_plan() {
	need_bin wtstat || { skip wtstat_plan "no /bin/wtstat in the payload"; return; }
	wtlab_load traceable || { fail wtstat_plan "cannot load wtlab"; return; }
	if wtstat probes --json > /tmp/plan.json 2> /tmp/plan.err; then
		ok wtstat_plan.runs
	else
		fail wtstat_plan.runs "wtstat probes --json: exit $? ($(tail -n 1 /tmp/plan.err))"
	fi
	save_file /tmp/plan.json plan.json
	save_file /tmp/plan.err plan.stderr
}

# runs on the host (bash) after the VM is done; $CASE_OUT holds the files the
# VM case saved; print result lines like a VM case
host_check_wtstat_plan() {
	local plan=$CASE_OUT/plan.json
	command -v jq > /dev/null || { echo "ok wtstat_plan.json # SKIP no jq on the host"; return; }
	[ -f "$plan" ] || { echo "ok wtstat_plan.json # SKIP no plan.json (case skipped?)"; return; }
	if jq -e 'select(.kind == "plan") | .probes | length > 0' "$plan" > /dev/null 2>&1; then
		echo "ok wtstat_plan.json"
	else
		echo "not ok wtstat_plan.json: not a plan document with probes: $(head -c 200 "$plan")"
	fi
	# the traceable wtlab module has BTF: fentry on its functions must attach
	if jq -e '.probes[] | select(.event == "wt_begin") | .method == "fentry" and .attached' "$plan" > /dev/null 2>&1; then
		echo "ok wtstat_plan.fentry_on_module"
	else
		echo "not ok wtstat_plan.fentry_on_module: wt_begin is $(jq -c '.probes[] | select(.event == "wt_begin") | {method, target, attached, reason}' "$plan" 2>/dev/null)"
	fi
}
