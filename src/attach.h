/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one place that turns a plan into loaded, attached BPF programs. When
 * the kernel refuses a load or an attach, the refusal becomes the reason of
 * that candidate and the plan is made again without it.
 */
#ifndef WTSTAT_ATTACH_H
#define WTSTAT_ATTACH_H

#include <stdbool.h>
#include <linux/types.h>
#include "plan.h"
#include "rowtable.h"

struct wtstat_bpf;
struct bpf_link;

struct wt_config {
	struct wt_plan_opts plan;
	const char *btf_path;
	__u32 filter_tgid;
	__u32 filter_dev;	/* kernel dev_t encoding */
	__u64 filter_ino;
	char filter_comm[16];
	unsigned max_mappings;
	unsigned max_procs;
	unsigned task_slots;	/* pending-wait slots, a power of two; 0: WT_TASK_SLOTS */
	bool verbose;
};

#define WT_MAX_LINKS 24

struct wt_tracer {
	struct wtstat_bpf *skel;
	struct wt_row_table table;	/* the per-file rows, mapped once loaded */
	struct wt_kernel_desc desc;
	struct wt_plan plan;
	struct bpf_link *links[WT_MAX_LINKS];
	int nlinks;
	bool attached[EV_COUNT];
	int nr_callers;
	int attempts;
};

/* Describes the kernel and plans, loading nothing (--dry-run). */
int wt_tracer_plan(struct wt_tracer *t, const struct wt_config *cfg, char *err, size_t errlen);

/*
 * Plans, loads and attaches; on success t->plan says what is attached.
 * Returns 0, -1 on errors, or WT_NOTHING_ATTACHED when every candidate was
 * refused: t->plan and t->desc then still say why, hook by hook.
 */
#define WT_NOTHING_ATTACHED (-2)
int wt_tracer_start(struct wt_tracer *t, const struct wt_config *cfg, char *err, size_t errlen);

/* Detaches and unloads everything; safe to call twice. */
void wt_tracer_stop(struct wt_tracer *t);

/* Sizes the per-file table's maps for max files (before the object is loaded). */
void wt_row_table_size(struct wtstat_bpf *skel, __u32 max);
/* wt_row_table_map() on a loaded object's maps. */
int wt_row_table_map_skel(struct wt_row_table *t, const struct wtstat_bpf *skel, bool writable);

/* Routes libbpf's messages: to stderr when verbose, else kept for reasons. */
void wt_libbpf_log_setup(bool verbose);

#endif
