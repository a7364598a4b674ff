# shellcheck shell=sh
# Which kernel layouts wtstat was built for on this kernel, and whether its
# programs load for them: the stable-writes test (per superblock before
# 6.7 and 6.1.72, per mapping since), the folio flags word (memdesc_flags_t
# since 6.18) and the balance_dirty_pages tracepoint's arguments. The VM
# side attaches wtstat for real; the host side holds its report against
# the kernel's version and against the BTF of the kernel image it booted.

vm_case_wtstat_layouts() {
	need_bin wtstat || { skip wtstat_layouts "no wtstat in the payload"; return; }
	# without --dry-run: every chosen program is loaded and attached
	if wtstat probes --json > /tmp/layouts.json 2> /tmp/layouts.err; then
		ok wtstat_layouts.attach
	else
		fail wtstat_layouts.attach "wtstat probes: exit $? ($(tail -n 1 /tmp/layouts.err))"
	fi
	uname -v > /tmp/uname-v
	save_file /tmp/layouts.json layouts.json
	save_file /tmp/uname-v uname-v
}

# upstream version of the booted kernel as a number, e.g. 6.1.158 -> 601158
# (Debian's release string says 6.1.0-56; its build string says 6.1.158-1)
layouts_upstream() {
	sed -n 's/.*Debian \([0-9]*\)\.\([0-9]*\)\.\([0-9]*\).*/\1 \2 \3/p' "$CASE_OUT/uname-v" |
		awk '{ printf "%d\n", $1 * 100000 + $2 * 1000 + $3 }'
}

# what the kernel image's own BTF says (bpftool on the host, not wtstat):
# "AS_STABLE_WRITES-value-or--1 tracepoint-args folio-flags-type"
layouts_btf() {
	bpftool btf dump file "$WT_VMLINUX" format raw 2> /dev/null | awk '
		/^\[[0-9]+\] ENUM .mapping_flags. / { in_mf = 1; next }
		/^\[/ { in_mf = 0 }
		in_mf && /.AS_STABLE_WRITES. val=/ { sub(/.*val=/, ""); bit = $0 }
		/^\[[0-9]+\] TYPEDEF .memdesc_flags_t. / { memdesc = 1 }
		/^\[[0-9]+\] TYPEDEF .btf_trace_balance_dirty_pages. / { sub(/.*type_id=/, ""); tp = $0 }
		{ line[$1] = $0 }
		END {
			# typedef -> pointer -> func_proto: its vlen, less the void *ctx
			t = "[" tp "]"; split(line[t], a, "type_id="); t = "[" a[2] "]"
			n = line[t]; sub(/.*vlen=/, "", n)
			printf "%s %d %s\n", (bit == "" ? -1 : bit), n - 1, (memdesc ? "memdesc_flags_t" : "unsigned long")
		}'
}

host_check_wtstat_layouts() {
	local j=$CASE_OUT/layouts.json up bit folio nargs got want
	[ -f "$j" ] || { echo "not ok wtstat_layouts.json: none saved"; return; }
	up=$(layouts_upstream)
	[ -n "$up" ] || { echo "not ok wtstat_layouts.version: no Debian version in '$(cat "$CASE_OUT/uname-v")'"; return; }
	read -r bit nargs folio <<-EOF
	$(layouts_btf)
	EOF
	[ -n "$nargs" ] && [ "$nargs" -gt 0 ] || { echo "not ok wtstat_layouts.btf: cannot read $WT_VMLINUX with bpftool"; return; }

	# the stable-writes test: by version where it is certain, else the BTF
	want=$([ "$bit" -ge 0 ] && echo mapping || echo superblock)
	if [ "$up" -ge 607000 ] || { [ "$up" -ge 601072 ] && [ "$up" -lt 602000 ]; }; then
		[ "$want" = mapping ] || want="mapping (by version; the image's BTF has no AS_STABLE_WRITES)"
	elif [ "$up" -lt 601072 ]; then
		[ "$want" = superblock ] || want="superblock (by version; the image's BTF has AS_STABLE_WRITES)"
	fi
	got=$(jq -r '.kernel.stable_writes_flag + (if .kernel.as_stable_writes then " bit \(.kernel.as_stable_writes_bit)" else "" end)' "$j")
	[ "$want" != mapping ] || want="mapping bit $bit"
	if [ "$got" = "$want" ]; then echo "ok wtstat_layouts.stable_writes_flag # $got on $WT_KVER"
	else echo "not ok wtstat_layouts.stable_writes_flag: wtstat chose '$got', expected '$want' on $WT_KVER"; fi

	# folio flags: memdesc_flags_t since 6.18
	want=$([ "$up" -ge 618000 ] && echo memdesc_flags_t || echo "unsigned long")
	got=$(jq -r .kernel.folio_flags "$j")
	if [ "$got" = "$want" ] && [ "$folio" = "$want" ]; then echo "ok wtstat_layouts.folio_flags # $got"
	else echo "not ok wtstat_layouts.folio_flags: wtstat '$got', image BTF '$folio', expected '$want' by version"; fi

	got=$(jq -r .kernel.balance_dirty_pages_args "$j")
	if [ "$got" = "$nargs" ]; then echo "ok wtstat_layouts.balance_dirty_pages_args # $got"
	else echo "not ok wtstat_layouts.balance_dirty_pages_args: wtstat $got, image BTF $nargs"; fi

	# the programs built on those layouts attached on this kernel
	got=$(jq -c '[.probes[] | select(.event == "stable_wait" or .event == "dirty_throttle") | select(.attached | not) | .event]' "$j")
	if [ "$got" = "[]" ]; then echo "ok wtstat_layouts.programs_attached # $(jq -c '[.probes[] | select(.event == "stable_wait" or .event == "dirty_throttle") | "\(.event)=\(.method)"]' "$j")"
	else echo "not ok wtstat_layouts.programs_attached: not attached: $got"; fi
}
