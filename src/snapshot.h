/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A copy of every BPF map at one instant, and the difference of two. */
#ifndef WTSTAT_SNAPSHOT_H
#define WTSTAT_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "wtstat.h"

struct wt_proc_row {
	__u32 pid;
	struct wt_proc_stats s;
};

struct wt_dev_row {
	__u32 dev;
	struct wt_dev_stats s;
};

/* key -> row of a snapshot's rows, built when the snapshot is a delta's prev */
struct wt_row_index {
	__u32 *slot;			/* row + 1; 0: empty */
	size_t nslots;			/* a power of two, at least twice the rows */
};

struct wt_snapshot {
	__u64 mono_ns;			/* CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns */
	struct wt_totals totals;
	__u64 counters[WT_COUNTER_MAX];
	__s64 pending;			/* waits begun and not finished */
	__s64 kernel_nr_dirty;		/* /proc/vmstat nr_dirty (pages), -1 unknown */
	struct wt_mapping_row *maps;
	size_t nmaps;
	struct wt_proc_row *procs;
	size_t nprocs;
	struct wt_dev_row *devs;
	size_t ndevs;
	/* Kept for the next wt_snapshot_read_into/wt_snapshot_delta_into of
	 * this snapshot: an interval loop reuses the same memory every time
	 * (fresh pages cost more than reading the maps). */
	size_t maps_cap, procs_cap, devs_cap;
	struct wt_row_index maps_ix, procs_ix, devs_ix;
};

struct wt_row_table;

struct wt_map_fds {
	struct wt_row_table *table;	/* the per-file rows, mapped (grown as they are) */
	int procs, devs, totals, counters;
};

int wt_snapshot_read(struct wt_snapshot *s, const struct wt_map_fds *fds, __s64 pending);
/* The same into s, which is zeroed or an earlier snapshot: its memory is reused. */
int wt_snapshot_read_into(struct wt_snapshot *s, const struct wt_map_fds *fds, __s64 pending);
void wt_snapshot_free(struct wt_snapshot *s);
/* Only the per-file rows: those of claimed slots that are shown, in slot order. */
int wt_snapshot_read_rows(struct wt_snapshot *s, struct wt_row_table *t);

/* out = cur - prev for every counter; gauges are taken from cur. Rows of
 * cur only: a key gone since prev is not reported. prev keeps its order;
 * it gets a key index (kept with its memory). */
int wt_snapshot_delta(struct wt_snapshot *out, const struct wt_snapshot *cur, struct wt_snapshot *prev);
/* The same into out, which is zeroed or an earlier snapshot: its memory is reused. */
int wt_snapshot_delta_into(struct wt_snapshot *out, const struct wt_snapshot *cur, struct wt_snapshot *prev);

/*
 * One interval: reads cur (wt_snapshot_read_into) and sets out = cur -
 * prev (wt_snapshot_delta_into). sum_begun: cur's total
 * writethrough begins are the sum over its mappings (derived begins are
 * per file). cur, prev and out are three different snapshots.
 */
int wt_snapshot_next(struct wt_snapshot *cur, struct wt_snapshot *prev, struct wt_snapshot *out,
		     const struct wt_map_fds *fds, __s64 pending, bool sum_begun);

/* totals.wt_begun = the sum over the mappings */
void wt_snapshot_sum_begun(struct wt_snapshot *s);

/* Time a mapping has spent in stable mode up to now_ns. */
__u64 wt_stable_time_ns(const struct wt_mapping_stats *s, __u64 now_ns);

/* Sort rows by total wait time, then count, then key: the report order. */
void wt_snapshot_sort(struct wt_snapshot *s);

/* A mapping with something to show in an interval (the rest are quiet). */
bool wt_mapping_active(const struct wt_mapping_stats *m);

/*
 * The report order where reports look: the first top mappings (active ones
 * only when active_only) and the first top processes are those
 * wt_snapshot_sort would put first, in that order, followed by the rest in
 * no particular order; devices are all sorted. A report showing at most
 * top rows prints the same as after wt_snapshot_sort. Returns 0 or -ENOMEM.
 */
int wt_snapshot_sort_top(struct wt_snapshot *s, size_t top, bool active_only);

/* Dev_t helpers: the kernel packs major << 20 | minor. */
static inline unsigned wt_dev_major(__u32 dev) { return dev >> 20; }
static inline unsigned wt_dev_minor(__u32 dev) { return dev & 0xfffff; }
static inline __u32 wt_dev_make(unsigned major, unsigned minor) { return (major << 20) | minor; }

#endif
