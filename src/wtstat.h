/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Types shared by the BPF programs (bpf/wtstat.bpf.c) and user space.
 * Keep every struct here fixed-size and free of pointers that user space
 * would dereference: the maps are read as raw bytes.
 */
#ifndef WTSTAT_H
#define WTSTAT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define WT_HIST_SLOTS	40	/* log2(ns) slots: slot 39 starts at ~550 s */
#define WT_TASK_SLOTS	1024	/* pending waits kept by task, before the hash (bpf/wtstat.bpf.c) */
#define WT_COMM_LEN	16
#define WT_NAME_LEN	64
#define WT_MAX_CALLERS	48	/* address ranges that mark a wait as "stable" */

/* How the stable-wait latency is measured; chosen by user space at load. */
enum wt_wait_mode {
	WT_WAIT_NONE = 0,
	WT_WAIT_FUNC = 1,	/* entry/exit of folio_wait_stable (fentry or kprobe) */
	WT_WAIT_TRACEPOINT = 2,	/* folio_wait_writeback tracepoint -> switch-in */
};

/* How writethrough end is observed. */
enum wt_end_mode {
	WT_END_NONE = 0,
	WT_END_NAMED = 1,	/* inode_writethrough_end itself */
	WT_END_DIO = 2,		/* iomap_dio_complete with the writethrough flag */
};

/* Global counters, index into the "counters" array map. */
enum wt_counter {
	/* anomalies: invariants the writethrough series must keep */
	WT_ANOM_END_WITHOUT_BEGIN,
	WT_ANOM_INFLIGHT_NEGATIVE,
	WT_ANOM_STABLE_CLEARED_INFLIGHT,
	WT_ANOM_STABLE_LEAKED,
	WT_ANOM_DIRTY_DRIFT,		/* folios cleaned without dirty accounting */
	/* events we saw but could not record: never silent */
	WT_DROP_MAPPING_FULL,
	WT_DROP_PROC_FULL,
	WT_DROP_DEV_FULL,
	WT_DROP_PENDING_FULL,
	WT_DROP_NAME_UNREADABLE,
	WT_DROP_NO_STACK,
	WT_DROP_STALL_FULL,
	WT_DROP_DIRTY_FULL,
	WT_DROP_PROG_MISSED,		/* runs the kernel skipped (prog recursion_misses),
					 * filled in by user space: no program writes it */
	/* things worth knowing about the measurement itself */
	WT_CNT_STABLE_CALLS,		/* folio_wait_stable calls seen (func mode) */
	WT_CNT_WAIT_NOSLEEP,		/* wait began but the task never slept */
	WT_CNT_WAIT_OTHER,		/* folio_wait_writeback not from a stable-write path */
	WT_CNT_WT_BEGIN,
	WT_CNT_WT_END,
	WT_CNT_STABLE_SET,
	WT_CNT_STABLE_CLEAR,
	WT_CNT_WT_WRITE_CALLS,
	WT_CNT_WAIT_DURING_WT,		/* stable waits while writethrough in flight */
	WT_CNT_THROTTLE_NOSLEEP,	/* throttling pause woken before it slept */
	WT_CNT_DIRTY_TRACKED,		/* folios dirtied on writethrough mappings */
	WT_CNT_DIRTY_ACCOUNTED,		/* of those, cleaned with accounting */
	WT_CNT_CALLER_BY_WINDOW,	/* tracepoint path: caller read from the stack window */
	WT_CNT_CALLER_BY_UNWIND,	/* tracepoint path: caller found by bpf_get_stack() */
	WT_CNT_WAIT_END_INFERRED,	/* tracepoint path: a sleep whose switch-in the kernel
					 * never reported, ended from the task's CPU time */
	WT_CNT_WAIT_SPILLED,		/* waits kept in the pending hash: another task
					 * held the waiter's slot */
	WT_COUNTER_MAX,
};

/* A log2 latency histogram: slot i holds values v with floor(log2(v)) == i. */
struct wt_hist {
	__u64 slots[WT_HIST_SLOTS];
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns;
};

struct wt_mapping_key {
	__u32 dev;	/* kernel dev_t: major << 20 | minor */
	__u32 gen;	/* i_generation: a new file given a freed inode number is
			 * a new key, not more counts for the deleted file */
	__u64 ino;
};

struct wt_mapping_stats {
	struct wt_hist wait;		/* stable waits on this mapping */
	__u64 other_waits;		/* writeback waits for other reasons (fsync, truncate) */
	__u64 waits_during_wt;		/* stable waits while a writethrough was in flight */
	__u64 wt_begun;
	__u64 wt_ended;
	__s64 inflight;			/* own count: begun - ended */
	__s64 inflight_max;
	__s64 kernel_wt_count;		/* last i_wt_count read, -1 if the field is absent */
	__u64 wt_write_calls;		/* writethrough write syscalls (neighbour hook) */
	__u64 stable_sets;
	__u64 stable_clears;
	__u64 stable_since_ns;		/* 0 when not known to be stable now */
	__u64 stable_ns;		/* closed stable intervals */
	__u64 first_seen_ns;
	__u64 last_seen_ns;
	__u64 dirty_tracked;		/* folios dirtied (accounted) while tracked */
	__u64 dirty_accounted;		/* of those, cleaned with accounting */
	__u64 drift_pages;		/* pages cleaned without accounting */
	char name[WT_NAME_LEN];
	char parent[WT_NAME_LEN];
};

/*
 * One slot of the per-file table (the "mapping_rows" array, which user
 * space maps): shown once s.first_seen_ns is non-zero, written last.
 */
struct wt_mapping_row {
	struct wt_mapping_key key;
	struct wt_mapping_stats s;
};

struct wt_proc_stats {
	struct wt_hist wait;
	struct wt_hist throttle;	/* sleeps in balance_dirty_pages() */
	__u64 throttle_wt;		/* of those, inside a writethrough write */
	__u64 waits_during_wt;
	char comm[WT_COMM_LEN];
};

struct wt_dev_stats {
	struct wt_hist wait;
	struct wt_hist throttle;
	__u64 throttle_wt;
	__u64 other_waits;
	__u64 drift_pages;
};

/* Everything without a key: one entry in the "totals" array. */
struct wt_totals {
	struct wt_hist wait;
	struct wt_hist throttle;
	__u64 throttle_wt;
	__u64 drift_pages;
	__s64 inflight;
	__s64 inflight_max;
	__u64 wt_begun;
	__u64 wt_ended;
};

/* A [start, end) text range of a function that waits for stable pages. */
struct wt_caller_range {
	__u64 start;
	__u64 end;
};

#endif /* WTSTAT_H */
