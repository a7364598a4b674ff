// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The floor of each hook wtstat uses: programs that return at once,
 * attached beside wtstat during the benchmark. All start disabled ("?"):
 * bench/empty_loader.c loads and attaches each one that works on the
 * running kernel (raw tracepoints here; kprobe and fentry in the VM lab).
 * Names stay under 16 characters so the kernel keeps them whole.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* the hooks of wtstat's tracepoint path */
SEC("?raw_tp/folio_wait_writeback")
int empty_rtp_fww(void *ctx)
{
	return 0;
}

SEC("?raw_tp/sched_switch")
int empty_rtp_ss(void *ctx)
{
	return 0;
}

/* wtstat's dirty-throttle hook (the writer's sleep in balance_dirty_pages) */
SEC("?raw_tp/balance_dirty_pages")
int empty_rtp_bdp(void *ctx)
{
	return 0;
}

/*
 * Not empty: a reference for the one expensive step of wtstat's
 * tracepoint path, telling stable waits from others by the kernel stack.
 * This takes the same 12 frames (and, separately, 4) and does nothing else.
 */
SEC("?raw_tp/folio_wait_writeback")
int stack12_rtp_fww(void *ctx)
{
	__u64 stack[12];

	return bpf_get_stack(ctx, stack, sizeof(stack), 0) < 0;
}

SEC("?raw_tp/folio_wait_writeback")
int stack4_rtp_fww(void *ctx)
{
	__u64 stack[4];

	return bpf_get_stack(ctx, stack, sizeof(stack), 0) < 0;
}

/*
 * Not empty either: the floor of "nothing pending" on sched_switch, what
 * wtstat's program does then (two words of its .bss, one cache line, and
 * a test), in a program of its own. Attached with the empty programs.
 */
__u64 load_words[2] = {};

SEC("?raw_tp/sched_switch")
int load_rtp_ss(void *ctx)
{
	return (load_words[0] | load_words[1]) != 0;
}

/* the hooks bpftrace uses for the same events (perf tracepoints) */
SEC("?tracepoint/writeback/folio_wait_writeback")
int empty_tp_fww(void *ctx)
{
	return 0;
}

SEC("?tracepoint/sched/sched_switch")
int empty_tp_ss(void *ctx)
{
	return 0;
}

/* wtstat's kprobe path */
SEC("?kprobe/folio_wait_stable")
int empty_kp_fws(struct pt_regs *ctx)
{
	return 0;
}

/*
 * Not empty: the floor of a kprobe that looks at its folio at all, one
 * probe read of the folio's first 32 bytes (flags and mapping), as
 * wtstat's kprobe does before it knows the call will not wait.
 */
SEC("?kprobe/folio_wait_stable")
int load_kp_fws(struct pt_regs *ctx)
{
	__u64 head[4] = {};

	bpf_probe_read_kernel(head, sizeof(head), (void *)PT_REGS_PARM1(ctx));
	return head[0] != 0;
}

SEC("?kretprobe/folio_wait_stable")
int empty_krp_fws(struct pt_regs *ctx)
{
	return 0;
}

/* wtstat's fentry path */
SEC("?fentry/folio_wait_stable")
int BPF_PROG(empty_fe_fws)
{
	return 0;
}

SEC("?fexit/folio_wait_stable")
int BPF_PROG(empty_fx_fws)
{
	return 0;
}
