/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The metric model: one list of named metrics with units, kinds and
 * scopes, computed from a snapshot and the tracer's plan. The Prometheus
 * textfile (prom.c), the gate (rules.c, gate.c) and the gate's JSON all
 * read numbers through it, so a name means the same thing everywhere; the
 * table mapping names to Prometheus families and report JSON keys is in
 * README.md ("Metrics").
 */
#ifndef WTSTAT_METRICS_H
#define WTSTAT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "snapshot.h"

struct wt_tracer;
struct json_object;

enum wt_unit {
	WT_UNIT_COUNT,
	WT_UNIT_SECONDS,	/* held as integer nanoseconds, shown in seconds */
	WT_UNIT_BYTES,
};

enum wt_kind {
	WT_KIND_COUNTER,
	WT_KIND_GAUGE,
	WT_KIND_HISTOGRAM,
};

enum wt_scope {
	WT_SCOPE_TOTAL,
	WT_SCOPE_DEVICE,
	WT_SCOPE_FILE,
	WT_SCOPE_PROCESS,
	WT_SCOPE_COUNT,
};
#define WT_SCOPE_BIT(s) (1u << (s))

/* How rows roll up when a rule asks for a wider scope than they have. */
enum wt_agg {
	WT_AGG_SUM,
	WT_AGG_MAX,
};

enum wt_metric_id {
	WT_M_STABLE_WAIT,
	WT_M_OTHER_WAIT,
	WT_M_WAITS_DURING_WT,
	WT_M_WAITS_IN_PROGRESS,
	WT_M_WT_BEGUN,
	WT_M_WT_ENDED,
	WT_M_WT_INFLIGHT,
	WT_M_WT_INFLIGHT_MAX,
	WT_M_WT_WRITE_CALLS,
	WT_M_STABLE_TIME,
	WT_M_STABLE_TRANSITIONS,
	WT_M_ANOMALIES,
	WT_M_DROPPED,
	WT_M_MEASUREMENT,
	WT_M_PROBE_ATTACHED,
	WT_M_DIRTY_THROTTLE,
	WT_M_DIRTY_THROTTLE_WT,
	WT_M_DIRTY_DRIFT_PAGES,
	WT_M_DIRTY_DRIFT_BYTES,
	WT_M_KERNEL_DIRTY,
	WT_M_MAPPINGS,		/* last: the textfile always ends with it */
	WT_M_COUNT,
};

struct wt_metric_def {
	enum wt_metric_id id;
	const char *name;	/* gate name: "stable_wait", "writethrough.begun" */
	const char *prom;	/* family; file scope inserts "file_" after "wtstat_" */
	const char *json;	/* where the report JSON has it */
	const char *help;
	enum wt_kind kind;
	enum wt_unit unit;
	unsigned scopes;	/* WT_SCOPE_BIT()s the model computes */
	enum wt_agg agg;
	const char *member_label; /* label telling members apart, NULL: none */
};

/* Statistics a rule can ask of a metric; scalars have only VALUE. */
enum wt_stat {
	WT_STAT_VALUE,
	WT_STAT_COUNT,
	WT_STAT_SUM,
	WT_STAT_MEAN,
	WT_STAT_P50,
	WT_STAT_P90,
	WT_STAT_P99,
	WT_STAT_MAX,
	WT_STAT_N,
};

/* One sample: a metric at one scope (and member). */
struct wt_sample {
	const struct wt_metric_def *def;
	enum wt_scope scope;
	int member;			/* counter, event or direction; -1: none */
	__u32 dev;			/* device and file scope (kernel dev_t) */
	__u64 ino;			/* file scope */
	__u32 gen;			/* file scope: the inode's generation */
	const char *file;		/* file scope: dentry name */
	const char *parent;		/* file scope: its parent's name */
	__u32 pid;			/* process scope */
	const char *comm;
	const char *method;		/* probe_attached */
	const char *target;
	__s64 value;			/* scalars: count, or ns for seconds */
	const struct wt_hist *hist;	/* histograms */
};

struct wt_metric_set {
	struct wt_sample *v;
	size_t n, cap;
	void **owned;			/* storage of a set read from JSON */
	size_t nowned, owned_cap;
	double elapsed_s;
};

#define WT_ALL_FILES ((size_t)-1)

const struct wt_metric_def *wt_metric_def(enum wt_metric_id id);
const struct wt_metric_def *wt_metric_def_by_name(const char *name);

/* Members of a metric with a member label; -1 when the name is unknown. */
const char *wt_metric_member_name(const struct wt_metric_def *d, int member);
int wt_metric_member_from_name(const struct wt_metric_def *d, const char *name);
/* Fills out[] with the metric's members in output order; returns how many. */
int wt_metric_members(const struct wt_metric_def *d, int *out, int max);

const char *wt_scope_name(enum wt_scope s);
const char *wt_stat_name(enum wt_stat st);
int wt_stat_from_name(const char *name);
/* The unit of a statistic: a histogram's count is a count, the rest time. */
enum wt_unit wt_stat_unit(const struct wt_metric_def *d, enum wt_stat st);

/*
 * Builds the set from a cumulative snapshot. The samples point into snap
 * and t: both must outlive the set. File-scope samples come from the
 * first max_files active mappings in the snapshot's order (sort it with
 * wt_snapshot_sort first); WT_ALL_FILES takes every mapping, quiet ones
 * included. t may be NULL
 * (no probe samples). Returns 0 or -ENOMEM.
 */
int wt_metrics_build(struct wt_metric_set *set, const struct wt_snapshot *snap,
		     const struct wt_tracer *t, size_t max_files, double elapsed_s);
void wt_metrics_free(struct wt_metric_set *set);

/* A statistic of one histogram: ns for times, a number for count. */
double wt_hist_stat(const struct wt_hist *h, enum wt_stat st);

/* Which rows a query looks at; unset fields match anything. */
struct wt_scope_sel {
	bool has_dev, has_ino, has_pid;
	__u32 dev;
	__u64 ino;
	__u32 pid;
	char file[256];		/* "" or a name, "parent/name", or a path */
	char comm[16];
};

/* The scope of the samples a selection is answered from, -1 if none fits. */
int wt_scope_sel_level(const struct wt_metric_def *d, const struct wt_scope_sel *sel);
/* "dev=7:0,file=x"; "" for the total. */
void wt_scope_sel_format(char *buf, size_t len, const struct wt_scope_sel *sel);

/*
 * Value of a metric's statistic over the samples a selection matches,
 * rolled up by the metric's aggregation (histograms are added). member -1
 * sums every member. ns for times. Returns how many samples matched;
 * nothing matched gives 0.
 */
int wt_metrics_query(const struct wt_metric_set *set, const struct wt_metric_def *d, int member,
		     enum wt_stat st, const struct wt_scope_sel *sel, double *out);

/* The set as a JSON array (gate documents), and back (baselines). */
struct json_object *wt_metrics_to_json(const struct wt_metric_set *set);
int wt_metrics_from_json(struct wt_metric_set *set, struct json_object *arr, char *err, size_t errlen);

/* "parent/name" as the text report shows it; "?" when unread. */
const char *wt_sample_file_label(char *buf, size_t len, const struct wt_sample *s);

#endif /* WTSTAT_METRICS_H */
