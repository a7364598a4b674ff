// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The metric model (see metrics.h): the table of metrics, the samples a
 * snapshot gives, and queries over them. Names, units and help texts live
 * here only; README.md's "Metrics" table is kept in step with this table.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "attach.h"
#include <json-c/json.h>
#include "hist.h"
#include "metrics.h"
#include "report.h"
#include "utf8.h"

#define ALL_SCOPES (WT_SCOPE_BIT(WT_SCOPE_TOTAL) | WT_SCOPE_BIT(WT_SCOPE_DEVICE) | \
		    WT_SCOPE_BIT(WT_SCOPE_FILE) | WT_SCOPE_BIT(WT_SCOPE_PROCESS))
#define T_F (WT_SCOPE_BIT(WT_SCOPE_TOTAL) | WT_SCOPE_BIT(WT_SCOPE_FILE))
#define T_ONLY WT_SCOPE_BIT(WT_SCOPE_TOTAL)

static const struct wt_metric_def defs[WT_M_COUNT] = {
	[WT_M_STABLE_WAIT] = { WT_M_STABLE_WAIT, "stable_wait", "wtstat_stable_wait_seconds",
		"stable_wait",
		"Time tasks waited in folio_wait_stable() for writeback of a folio whose mapping requires stable writes.",
		WT_KIND_HISTOGRAM, WT_UNIT_SECONDS, ALL_SCOPES, WT_AGG_SUM, NULL },
	[WT_M_OTHER_WAIT] = { WT_M_OTHER_WAIT, "other_wait", "wtstat_other_writeback_waits_total",
		"other_wait_count",
		"Writeback waits from other paths (fsync, truncate, fdatawait), not counted as stable waits.",
		WT_KIND_COUNTER, WT_UNIT_COUNT, T_F | WT_SCOPE_BIT(WT_SCOPE_DEVICE), WT_AGG_SUM, NULL },
	[WT_M_WAITS_DURING_WT] = { WT_M_WAITS_DURING_WT, "waits_during_writethrough",
		"wtstat_stable_waits_during_writethrough_total", "waits_during_writethrough",
		"Stable waits that happened while a writethrough was in flight on the same mapping.",
		WT_KIND_COUNTER, WT_UNIT_COUNT, T_F | WT_SCOPE_BIT(WT_SCOPE_PROCESS), WT_AGG_SUM, NULL },
	[WT_M_WAITS_IN_PROGRESS] = { WT_M_WAITS_IN_PROGRESS, "waits_in_progress",
		"wtstat_stable_waits_in_progress", "totals.waits_in_progress",
		"Stable waits begun and not yet finished.",
		WT_KIND_GAUGE, WT_UNIT_COUNT, T_ONLY, WT_AGG_SUM, NULL },
	[WT_M_WT_BEGUN] = { WT_M_WT_BEGUN, "writethrough.begun", "wtstat_writethroughs_begun_total",
		"writethrough.begun", "Buffered writethroughs begun.",
		WT_KIND_COUNTER, WT_UNIT_COUNT, T_F, WT_AGG_SUM, NULL },
	[WT_M_WT_ENDED] = { WT_M_WT_ENDED, "writethrough.ended", "wtstat_writethroughs_ended_total",
		"writethrough.ended", "Buffered writethroughs ended.",
		WT_KIND_COUNTER, WT_UNIT_COUNT, T_F, WT_AGG_SUM, NULL },
	[WT_M_WT_INFLIGHT] = { WT_M_WT_INFLIGHT, "writethrough.inflight", "wtstat_writethroughs_in_flight",
		"writethrough.inflight", "Writethroughs in flight now (begun minus ended).",
		WT_KIND_GAUGE, WT_UNIT_COUNT, T_F, WT_AGG_SUM, NULL },
	[WT_M_WT_INFLIGHT_MAX] = { WT_M_WT_INFLIGHT_MAX, "writethrough.inflight_max",
		"wtstat_writethroughs_in_flight_max", "writethrough.inflight_max",
		"Most writethroughs in flight at once since tracing started.",
		WT_KIND_GAUGE, WT_UNIT_COUNT, T_F, WT_AGG_MAX, NULL },
	[WT_M_WT_WRITE_CALLS] = { WT_M_WT_WRITE_CALLS, "writethrough.write_calls",
		"wtstat_writethrough_write_calls_total", "writethrough.write_calls",
		"Writethrough write requests seen.",
		WT_KIND_COUNTER, WT_UNIT_COUNT, T_F, WT_AGG_SUM, NULL },
	[WT_M_STABLE_TIME] = { WT_M_STABLE_TIME, "stable.time", "wtstat_stable_mode_seconds_total",
		"stable.time_ns", "Time mappings spent in stable-writes mode while traced, summed over mappings.",
		WT_KIND_COUNTER, WT_UNIT_SECONDS, T_F, WT_AGG_SUM, NULL },
	[WT_M_STABLE_TRANSITIONS] = { WT_M_STABLE_TRANSITIONS, "stable.transitions",
		"wtstat_stable_transitions_total", "stable.sets, stable.clears",
		"Times a mapping entered (set) or left (clear) stable-writes mode.",
		WT_KIND_COUNTER, WT_UNIT_COUNT, T_F, WT_AGG_SUM, "direction" },
	[WT_M_ANOMALIES] = { WT_M_ANOMALIES, "anomalies", "wtstat_anomalies_total", "anomalies.KIND",
		"Broken writethrough invariants, by kind.",
		WT_KIND_COUNTER, WT_UNIT_COUNT, T_ONLY, WT_AGG_SUM, "kind" },
	[WT_M_DROPPED] = { WT_M_DROPPED, "dropped", "wtstat_dropped_events_total", "dropped.REASON",
		"Events seen but not recorded, by reason.",
		WT_KIND_COUNTER, WT_UNIT_COUNT, T_ONLY, WT_AGG_SUM, "reason" },
	[WT_M_MEASUREMENT] = { WT_M_MEASUREMENT, "measurement", "wtstat_measurement_events_total",
		"measurement.COUNTER", "Raw event counts of the measurement itself, by counter.",
		WT_KIND_COUNTER, WT_UNIT_COUNT, T_ONLY, WT_AGG_SUM, "counter" },
	[WT_M_PROBE_ATTACHED] = { WT_M_PROBE_ATTACHED, "probe_attached", "wtstat_probe_attached",
		"probes[].attached",
		"1 when a hook serving the event is attached; method and target say which (derived: computed from other hooks).",
		WT_KIND_GAUGE, WT_UNIT_COUNT, T_ONLY, WT_AGG_SUM, "event" },
	[WT_M_DIRTY_THROTTLE] = { WT_M_DIRTY_THROTTLE, "dirty_throttle", "wtstat_dirty_throttle_seconds",
		"dirty_throttle",
		"Time tasks slept in balance_dirty_pages() because of dirty-page throttling.",
		WT_KIND_HISTOGRAM, WT_UNIT_SECONDS,
		WT_SCOPE_BIT(WT_SCOPE_TOTAL) | WT_SCOPE_BIT(WT_SCOPE_DEVICE) | WT_SCOPE_BIT(WT_SCOPE_PROCESS),
		WT_AGG_SUM, NULL },
	[WT_M_DIRTY_THROTTLE_WT] = { WT_M_DIRTY_THROTTLE_WT, "dirty_throttle_writethrough",
		"wtstat_dirty_throttle_writethrough_total", "dirty_throttle.writethrough_writers",
		"Dirty-throttling sleeps of tasks inside a writethrough write.",
		WT_KIND_COUNTER, WT_UNIT_COUNT,
		WT_SCOPE_BIT(WT_SCOPE_TOTAL) | WT_SCOPE_BIT(WT_SCOPE_DEVICE) | WT_SCOPE_BIT(WT_SCOPE_PROCESS),
		WT_AGG_SUM, NULL },
	[WT_M_DIRTY_DRIFT_PAGES] = { WT_M_DIRTY_DRIFT_PAGES, "dirty_drift.pages", "wtstat_dirty_drift_pages_total",
		"dirty_drift.pages",
		"Pages of writethrough files dirtied with accounting and cleaned without it: the kernel's dirty count drifts up by these.",
		WT_KIND_COUNTER, WT_UNIT_COUNT,
		WT_SCOPE_BIT(WT_SCOPE_TOTAL) | WT_SCOPE_BIT(WT_SCOPE_DEVICE) | WT_SCOPE_BIT(WT_SCOPE_FILE),
		WT_AGG_SUM, NULL },
	[WT_M_DIRTY_DRIFT_BYTES] = { WT_M_DIRTY_DRIFT_BYTES, "dirty_drift.bytes", "wtstat_dirty_drift_bytes_total",
		"dirty_drift.bytes", "dirty_drift.pages in bytes.",
		WT_KIND_COUNTER, WT_UNIT_BYTES,
		WT_SCOPE_BIT(WT_SCOPE_TOTAL) | WT_SCOPE_BIT(WT_SCOPE_DEVICE) | WT_SCOPE_BIT(WT_SCOPE_FILE),
		WT_AGG_SUM, NULL },
	[WT_M_KERNEL_DIRTY] = { WT_M_KERNEL_DIRTY, "kernel.nr_dirty", "wtstat_kernel_dirty_bytes",
		"dirty_drift.kernel_nr_dirty_pages", "The kernel's own dirty page count (/proc/vmstat nr_dirty), in bytes.",
		WT_KIND_GAUGE, WT_UNIT_BYTES, T_ONLY, WT_AGG_SUM, NULL },
	[WT_M_MAPPINGS] = { WT_M_MAPPINGS, "mappings", "wtstat_mappings_tracked", "mappings_total",
		"Mappings (files) in the per-file table.",
		WT_KIND_GAUGE, WT_UNIT_COUNT, T_ONLY, WT_AGG_SUM, NULL },
};

const struct wt_metric_def *wt_metric_def(enum wt_metric_id id)
{
	return id < WT_M_COUNT ? &defs[id] : NULL;
}

const struct wt_metric_def *wt_metric_def_by_name(const char *name)
{
	for (int i = 0; i < WT_M_COUNT; i++)
		if (!strcmp(defs[i].name, name))
			return &defs[i];
	return NULL;
}

static bool counter_member(enum wt_metric_id id, int c)
{
	switch (id) {
	case WT_M_ANOMALIES:
		return wt_counter_is_anomaly(c);
	case WT_M_DROPPED:
		return wt_counter_is_drop(c);
	case WT_M_MEASUREMENT:
		return !wt_counter_is_anomaly(c) && !wt_counter_is_drop(c);
	default:
		return false;
	}
}

static const char *const directions[] = { "set", "clear" };

const char *wt_metric_member_name(const struct wt_metric_def *d, int m)
{
	switch (d->id) {
	case WT_M_STABLE_TRANSITIONS:
		return m >= 0 && m < 2 ? directions[m] : NULL;
	case WT_M_PROBE_ATTACHED:
		return m >= 0 && m < EV_COUNT ? wt_event_name(m) : NULL;
	case WT_M_ANOMALIES:
	case WT_M_DROPPED:
	case WT_M_MEASUREMENT:
		return m >= 0 && m < WT_COUNTER_MAX && counter_member(d->id, m) ? wt_counter_name(m) : NULL;
	default:
		return NULL;
	}
}

int wt_metric_members(const struct wt_metric_def *d, int *out, int max)
{
	int n = 0, limit = d->id == WT_M_STABLE_TRANSITIONS ? 2
			 : d->id == WT_M_PROBE_ATTACHED ? EV_COUNT
			 : d->member_label ? WT_COUNTER_MAX : 0;

	for (int m = 0; m < limit && n < max; m++)
		if (wt_metric_member_name(d, m))
			out[n++] = m;
	return n;
}

int wt_metric_member_from_name(const struct wt_metric_def *d, const char *name)
{
	int ms[WT_COUNTER_MAX + EV_COUNT], n = wt_metric_members(d, ms, WT_COUNTER_MAX + EV_COUNT);

	for (int i = 0; i < n; i++)
		if (!strcmp(wt_metric_member_name(d, ms[i]), name))
			return ms[i];
	return -1;
}

const char *wt_scope_name(enum wt_scope s)
{
	static const char *const names[] = { "total", "device", "file", "process" };

	return s < WT_SCOPE_COUNT ? names[s] : "?";
}

static const char *const stat_names[WT_STAT_N] = {
	[WT_STAT_VALUE] = "value", [WT_STAT_COUNT] = "count", [WT_STAT_SUM] = "sum",
	[WT_STAT_MEAN] = "mean", [WT_STAT_P50] = "p50", [WT_STAT_P90] = "p90",
	[WT_STAT_P99] = "p99", [WT_STAT_MAX] = "max",
};

const char *wt_stat_name(enum wt_stat st)
{
	return st < WT_STAT_N ? stat_names[st] : "?";
}

int wt_stat_from_name(const char *name)
{
	for (int i = WT_STAT_COUNT; i < WT_STAT_N; i++)
		if (!strcmp(name, stat_names[i]))
			return i;
	return -1;
}

enum wt_unit wt_stat_unit(const struct wt_metric_def *d, enum wt_stat st)
{
	if (d->kind == WT_KIND_HISTOGRAM)
		return st == WT_STAT_COUNT ? WT_UNIT_COUNT : d->unit;
	return d->unit;
}

double wt_hist_stat(const struct wt_hist *h, enum wt_stat st)
{
	switch (st) {
	case WT_STAT_COUNT:
		return (double)h->count;
	case WT_STAT_SUM:
		return (double)h->sum_ns;
	case WT_STAT_MEAN:
		return h->count ? (double)h->sum_ns / (double)h->count : 0;
	case WT_STAT_P50:
		return wt_hist_quantile(h, 0.50, NULL, NULL);
	case WT_STAT_P90:
		return wt_hist_quantile(h, 0.90, NULL, NULL);
	case WT_STAT_P99:
		return wt_hist_quantile(h, 0.99, NULL, NULL);
	case WT_STAT_MAX:
		return (double)h->max_ns;
	default:
		return 0;
	}
}

/* ---- building a set from a snapshot -------------------------------------- */

static struct wt_sample *add(struct wt_metric_set *set, enum wt_metric_id id, enum wt_scope scope, int member)
{
	struct wt_sample *s;

	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64;
		struct wt_sample *v = realloc(set->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		set->v = v;
		set->cap = cap;
	}
	s = &set->v[set->n++];
	memset(s, 0, sizeof(*s));
	s->def = &defs[id];
	s->scope = scope;
	s->member = member;
	return s;
}

static __s64 page_bytes(void)
{
	static long sz;

	if (!sz)
		sz = sysconf(_SC_PAGESIZE);
	return sz;
}

/* A file-scope metric's value on one mapping. */
static __s64 mapping_value(enum wt_metric_id id, int member, const struct wt_mapping_stats *m, __u64 now)
{
	switch (id) {
	case WT_M_OTHER_WAIT:
		return m->other_waits;
	case WT_M_WAITS_DURING_WT:
		return m->waits_during_wt;
	case WT_M_WT_BEGUN:
		return m->wt_begun;
	case WT_M_WT_ENDED:
		return m->wt_ended;
	case WT_M_WT_INFLIGHT:
		return m->inflight;
	case WT_M_WT_INFLIGHT_MAX:
		return m->inflight_max;
	case WT_M_WT_WRITE_CALLS:
		return m->wt_write_calls;
	case WT_M_STABLE_TIME:
		return wt_stable_time_ns(m, now);
	case WT_M_STABLE_TRANSITIONS:
		return member ? m->stable_clears : m->stable_sets;
	case WT_M_DIRTY_DRIFT_PAGES:
		return m->drift_pages;
	case WT_M_DIRTY_DRIFT_BYTES:
		return m->drift_pages * page_bytes();
	default:
		return 0;
	}
}

/* Totals the model sums over every mapping, shown or not: one pass for all. */
struct mapping_sums {
	__s64 stable_ns, sets, clears;
};

static void sum_mappings(struct mapping_sums *m, const struct wt_snapshot *s)
{
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < s->nmaps; i++) {
		m->stable_ns += mapping_value(WT_M_STABLE_TIME, -1, &s->maps[i].s, s->mono_ns);
		m->sets += mapping_value(WT_M_STABLE_TRANSITIONS, 0, &s->maps[i].s, s->mono_ns);
		m->clears += mapping_value(WT_M_STABLE_TRANSITIONS, 1, &s->maps[i].s, s->mono_ns);
	}
}

/* A total-scope metric: from the totals and counters, or summed over mappings. */
static __s64 total_value(enum wt_metric_id id, int member, const struct wt_snapshot *s,
			 const struct mapping_sums *sums)
{
	switch (id) {
	case WT_M_OTHER_WAIT:
		return s->counters[WT_CNT_WAIT_OTHER];
	case WT_M_WAITS_DURING_WT:
		return s->counters[WT_CNT_WAIT_DURING_WT];
	case WT_M_WAITS_IN_PROGRESS:
		return s->pending;
	case WT_M_WT_BEGUN:
		return s->totals.wt_begun;
	case WT_M_WT_ENDED:
		return s->totals.wt_ended;
	case WT_M_WT_INFLIGHT:
		return s->totals.inflight;
	case WT_M_WT_INFLIGHT_MAX:
		return s->totals.inflight_max;
	case WT_M_WT_WRITE_CALLS:
		return s->counters[WT_CNT_WT_WRITE_CALLS];
	case WT_M_STABLE_TIME:
		/* as the report JSON's totals.stable: every mapping, shown or not */
		return sums->stable_ns;
	case WT_M_STABLE_TRANSITIONS:
		return member ? sums->clears : sums->sets;
	case WT_M_ANOMALIES:
	case WT_M_DROPPED:
	case WT_M_MEASUREMENT:
		return s->counters[member];
	case WT_M_MAPPINGS:
		return s->nmaps;
	case WT_M_DIRTY_THROTTLE_WT:
		return s->totals.throttle_wt;
	case WT_M_DIRTY_DRIFT_PAGES:
		return s->totals.drift_pages;
	case WT_M_DIRTY_DRIFT_BYTES:
		return s->totals.drift_pages * page_bytes();
	case WT_M_KERNEL_DIRTY:
		return s->kernel_nr_dirty < 0 ? 0 : s->kernel_nr_dirty * page_bytes();
	default:
		return 0;
	}
}

static __s64 device_value(enum wt_metric_id id, const struct wt_dev_stats *d)
{
	switch (id) {
	case WT_M_DIRTY_THROTTLE_WT:
		return d->throttle_wt;
	case WT_M_DIRTY_DRIFT_PAGES:
		return d->drift_pages;
	case WT_M_DIRTY_DRIFT_BYTES:
		return d->drift_pages * page_bytes();
	default:
		return d->other_waits;
	}
}

static int build_def(struct wt_metric_set *set, const struct wt_metric_def *d, const struct wt_snapshot *snap,
		     const struct mapping_sums *sums, const struct wt_tracer *t, size_t max_files)
{
	int members[WT_COUNTER_MAX + EV_COUNT], nm = 1;
	struct wt_sample *s;

	if (d->member_label)
		nm = wt_metric_members(d, members, WT_COUNTER_MAX + EV_COUNT);
	else
		members[0] = -1;

	if (d->scopes & WT_SCOPE_BIT(WT_SCOPE_TOTAL)) {
		for (int i = 0; i < nm; i++) {
			if (d->id == WT_M_PROBE_ATTACHED) {
				const struct wt_choice *c;

				if (!t)
					continue;
				c = &t->plan.ev[members[i]];
				if (!(s = add(set, d->id, WT_SCOPE_TOTAL, members[i])))
					return -ENOMEM;
				s->method = wt_method_name(c->method);
				s->target = c->method == M_NONE ? "" : c->target;
				s->value = t->skel && t->attached[members[i]];
				continue;
			}
			if (!(s = add(set, d->id, WT_SCOPE_TOTAL, members[i])))
				return -ENOMEM;
			if (d->kind == WT_KIND_HISTOGRAM)
				s->hist = d->id == WT_M_DIRTY_THROTTLE ? &snap->totals.throttle : &snap->totals.wait;
			else
				s->value = total_value(d->id, members[i], snap, sums);
		}
	}
	if (d->scopes & WT_SCOPE_BIT(WT_SCOPE_DEVICE)) {
		for (size_t i = 0; i < snap->ndevs; i++) {
			if (!(s = add(set, d->id, WT_SCOPE_DEVICE, -1)))
				return -ENOMEM;
			s->dev = snap->devs[i].dev;
			if (d->kind == WT_KIND_HISTOGRAM)
				s->hist = d->id == WT_M_DIRTY_THROTTLE ? &snap->devs[i].s.throttle : &snap->devs[i].s.wait;
			else
				s->value = device_value(d->id, &snap->devs[i].s);
		}
	}
	if (d->scopes & WT_SCOPE_BIT(WT_SCOPE_PROCESS)) {
		for (size_t i = 0; i < snap->nprocs; i++) {
			const struct wt_proc_row *p = &snap->procs[i];

			if (!(s = add(set, d->id, WT_SCOPE_PROCESS, -1)))
				return -ENOMEM;
			s->pid = p->pid;
			s->comm = p->s.comm;
			if (d->kind == WT_KIND_HISTOGRAM)
				s->hist = d->id == WT_M_DIRTY_THROTTLE ? &p->s.throttle : &p->s.wait;
			else
				s->value = d->id == WT_M_DIRTY_THROTTLE_WT ? p->s.throttle_wt : p->s.waits_during_wt;
		}
	}
	if (d->scopes & WT_SCOPE_BIT(WT_SCOPE_FILE)) {
		size_t taken = 0;

		for (size_t i = 0; i < snap->nmaps && taken < max_files; i++) {
			const struct wt_mapping_row *m = &snap->maps[i];

			/* a quiet file must not take a place among the top N */
			if (max_files != WT_ALL_FILES && !wt_mapping_active(&m->s))
				continue;
			taken++;
			for (int j = 0; j < nm; j++) {
				if (!(s = add(set, d->id, WT_SCOPE_FILE, members[j])))
					return -ENOMEM;
				s->dev = m->key.dev;
				s->ino = m->key.ino;
				s->gen = m->key.gen;
				s->file = m->s.name;
				s->parent = m->s.parent;
				if (d->kind == WT_KIND_HISTOGRAM)
					s->hist = &m->s.wait;
				else
					s->value = mapping_value(d->id, members[j], &m->s, snap->mono_ns);
			}
		}
	}
	return 0;
}

int wt_metrics_build(struct wt_metric_set *set, const struct wt_snapshot *snap,
		     const struct wt_tracer *t, size_t max_files, double elapsed_s)
{
	struct mapping_sums sums;

	memset(set, 0, sizeof(*set));
	set->elapsed_s = elapsed_s;
	sum_mappings(&sums, snap);
	for (int i = 0; i < WT_M_COUNT; i++) {
		if (build_def(set, &defs[i], snap, &sums, t, max_files)) {
			wt_metrics_free(set);
			return -ENOMEM;
		}
	}
	return 0;
}

void wt_metrics_free(struct wt_metric_set *set)
{
	for (size_t i = 0; i < set->nowned; i++)
		free(set->owned[i]);
	free(set->owned);
	free(set->v);
	memset(set, 0, sizeof(*set));
}

const char *wt_sample_file_label(char *buf, size_t len, const struct wt_sample *s)
{
	const char *name = s->file ? s->file : "", *parent = s->parent ? s->parent : "";

	if (!name[0])
		snprintf(buf, len, "?");
	else if (parent[0] && strcmp(parent, "/"))
		snprintf(buf, len, "%.*s/%.*s", WT_NAME_LEN, parent, WT_NAME_LEN, name);
	else
		snprintf(buf, len, "%.*s", WT_NAME_LEN, name);
	return buf;
}

/* ---- queries ------------------------------------------------------------- */

int wt_scope_sel_level(const struct wt_metric_def *d, const struct wt_scope_sel *sel)
{
	bool proc = sel->has_pid || sel->comm[0], file = sel->has_ino || sel->file[0];
	enum wt_scope want;

	if (proc && (file || sel->has_dev))
		return -1;	/* processes are not kept per file or device */
	if (proc)
		want = WT_SCOPE_PROCESS;
	else if (file)
		want = WT_SCOPE_FILE;
	else if (sel->has_dev)
		/* a device's own rows when the model keeps them, else its files */
		want = d->scopes & WT_SCOPE_BIT(WT_SCOPE_DEVICE) ? WT_SCOPE_DEVICE : WT_SCOPE_FILE;
	else
		want = WT_SCOPE_TOTAL;
	return d->scopes & WT_SCOPE_BIT(want) ? (int)want : -1;
}

/*
 * A scope value as a rule reads it back: in quotes, with '"' and '\\'
 * escaped, when it holds a character the grammar gives meaning to or
 * begins or ends with a blank (an unquoted value is trimmed).
 */
static const char *scope_value(char *buf, size_t len, const char *v)
{
	size_t vl = strlen(v), n = 0;

	if (!strpbrk(v, ",}\"\\") && !strchr(" \t", v[0]) && !strchr(" \t", v[vl - 1]))
		return v;
	if (len < 3)
		return v;
	buf[n++] = '"';
	for (; *v && n + 3 < len; v++) {
		if (*v == '"' || *v == '\\')
			buf[n++] = '\\';
		buf[n++] = *v;
	}
	buf[n++] = '"';
	buf[n] = 0;
	return buf;
}

void wt_scope_sel_format(char *buf, size_t len, const struct wt_scope_sel *sel)
{
	char q[2 * sizeof(sel->file) + 3];
	size_t n = 0;

	buf[0] = 0;
#define PUT(...) do { if (n < len) n += snprintf(buf + n, len - n, __VA_ARGS__); } while (0)
	if (sel->has_dev)
		PUT("%sdev=%u:%u", n ? "," : "", wt_dev_major(sel->dev), wt_dev_minor(sel->dev));
	if (sel->has_ino)
		PUT("%sino=%llu", n ? "," : "", (unsigned long long)sel->ino);
	if (sel->file[0])
		PUT("%sfile=%s", n ? "," : "", scope_value(q, sizeof(q), sel->file));
	if (sel->has_pid)
		PUT("%spid=%u", n ? "," : "", sel->pid);
	if (sel->comm[0])
		PUT("%scomm=%s", n ? "," : "", scope_value(q, sizeof(q), sel->comm));
#undef PUT
}

/*
 * A file selector matches the name wtstat recorded: the dentry name, its
 * "parent/name", or a path ending in "/parent/name" or "/name".
 */
static bool file_matches(const char *want, const struct wt_sample *s)
{
	char label[2 * WT_NAME_LEN + 2];
	size_t wl = strlen(want), ll;

	if (!s->file || !s->file[0])
		return false;
	if (!strcmp(want, s->file))
		return true;
	wt_sample_file_label(label, sizeof(label), s);
	if (!strcmp(want, label))
		return true;
	ll = strlen(label);
	if (wl > ll && want[wl - ll - 1] == '/' && !strcmp(want + wl - ll, label))
		return true;
	ll = strlen(s->file);
	return want[0] == '/' && wl > ll && want[wl - ll - 1] == '/' && !strcmp(want + wl - ll, s->file) &&
	       (!s->parent || !s->parent[0] || !strcmp(s->parent, "/"));
}

static bool sample_matches(const struct wt_sample *s, const struct wt_scope_sel *sel)
{
	if (sel->has_dev && s->dev != sel->dev)
		return false;
	if (sel->has_ino && s->ino != sel->ino)
		return false;
	if (sel->file[0] && !file_matches(sel->file, s))
		return false;
	if (sel->has_pid && s->pid != sel->pid)
		return false;
	if (sel->comm[0] && (!s->comm || strncmp(s->comm, sel->comm, WT_COMM_LEN)))
		return false;
	return true;
}

int wt_metrics_query(const struct wt_metric_set *set, const struct wt_metric_def *d, int member,
		     enum wt_stat st, const struct wt_scope_sel *sel, double *out)
{
	int level = wt_scope_sel_level(d, sel), matched = 0;
	struct wt_hist acc = {};
	double v = 0;

	*out = 0;
	if (level < 0)
		return 0;
	for (size_t i = 0; i < set->n; i++) {
		const struct wt_sample *s = &set->v[i];

		if (s->def != d || s->scope != (enum wt_scope)level)
			continue;
		if (member >= 0 && s->member != member)
			continue;
		if (!sample_matches(s, sel))
			continue;
		if (d->kind == WT_KIND_HISTOGRAM) {
			wt_hist_add(&acc, s->hist);
		} else if (d->agg == WT_AGG_MAX) {
			if (!matched || (double)s->value > v)
				v = (double)s->value;
		} else {
			v += (double)s->value;
		}
		matched++;
	}
	*out = d->kind == WT_KIND_HISTOGRAM ? wt_hist_stat(&acc, st) : v;
	return matched;
}

/* ---- the set as JSON: gate documents and baselines ----------------------- */

static json_object *dev_json(__u32 dev)
{
	char b[24];

	snprintf(b, sizeof(b), "%u:%u", wt_dev_major(dev), wt_dev_minor(dev));
	return json_object_new_string(b);
}

/*
 * Names are kernel bytes, maybe cut inside a character: JSON wants UTF-8.
 * A name read back from a document is already cleaned and may be longer
 * than the kernel's: it is written whole, so that saving what was read
 * changes nothing (the kernel's own names end within WT_NAME_LEN).
 */
static json_object *name_json(const char *raw)
{
	char clean[4 * WT_NAME_LEN];

	return json_object_new_string(wt_utf8_clean(clean, sizeof(clean), raw ? raw : "", sizeof(clean)));
}

static json_object *seconds_json(double ns)
{
	return json_object_new_double(ns / 1e9);
}

static json_object *sample_json(const struct wt_sample *s)
{
	const struct wt_metric_def *d = s->def;
	json_object *o = json_object_new_object(), *l = json_object_new_object();
	static const char *const kinds[] = { "counter", "gauge", "histogram" };

	json_object_object_add(o, "name", json_object_new_string(d->name));
	json_object_object_add(o, "type", json_object_new_string(kinds[d->kind]));
	json_object_object_add(o, "unit", json_object_new_string(d->unit == WT_UNIT_SECONDS ? "seconds" : "count"));
	json_object_object_add(o, "scope", json_object_new_string(wt_scope_name(s->scope)));
	if (s->scope == WT_SCOPE_DEVICE || s->scope == WT_SCOPE_FILE)
		json_object_object_add(l, "dev", dev_json(s->dev));
	if (s->scope == WT_SCOPE_FILE) {
		json_object_object_add(l, "ino", json_object_new_uint64(s->ino));
		json_object_object_add(l, "generation", json_object_new_uint64(s->gen));
		json_object_object_add(l, "file", name_json(s->file));
		json_object_object_add(l, "parent", name_json(s->parent));
	}
	if (s->scope == WT_SCOPE_PROCESS) {
		json_object_object_add(l, "pid", json_object_new_uint64(s->pid));
		json_object_object_add(l, "comm", name_json(s->comm));
	}
	if (d->member_label && s->member >= 0)
		json_object_object_add(l, d->member_label, json_object_new_string(wt_metric_member_name(d, s->member)));
	if (d->id == WT_M_PROBE_ATTACHED) {
		json_object_object_add(l, "method", json_object_new_string(s->method ? s->method : ""));
		json_object_object_add(l, "target", json_object_new_string(s->target ? s->target : ""));
	}
	json_object_object_add(o, "labels", l);
	if (d->kind != WT_KIND_HISTOGRAM) {
		json_object_object_add(o, "value", d->unit == WT_UNIT_SECONDS ? seconds_json((double)s->value)
									: json_object_new_int64(s->value));
		return o;
	}
	/* statistics in seconds for readers, then the exact histogram to reload */
	json_object_object_add(o, "count", json_object_new_uint64(s->hist->count));
	for (int st = WT_STAT_SUM; st < WT_STAT_N; st++)
		json_object_object_add(o, wt_stat_name(st), seconds_json(wt_hist_stat(s->hist, st)));
	json_object_object_add(o, "sum_ns", json_object_new_uint64(s->hist->sum_ns));
	json_object_object_add(o, "max_ns", json_object_new_uint64(s->hist->max_ns));
	{
		json_object *arr = json_object_new_array();

		for (unsigned i = 0; i < WT_HIST_SLOTS; i++) {
			json_object *b;

			if (!s->hist->slots[i])
				continue;
			b = json_object_new_object();
			json_object_object_add(b, "lo_ns", json_object_new_uint64(wt_slot_lo(i)));
			json_object_object_add(b, "hi_ns", json_object_new_uint64(wt_slot_hi(i)));
			json_object_object_add(b, "count", json_object_new_uint64(s->hist->slots[i]));
			json_object_array_add(arr, b);
		}
		json_object_object_add(o, "histogram", arr);
	}
	return o;
}

json_object *wt_metrics_to_json(const struct wt_metric_set *set)
{
	json_object *arr = json_object_new_array();

	for (size_t i = 0; i < set->n; i++)
		json_object_array_add(arr, sample_json(&set->v[i]));
	return arr;
}

static void *own(struct wt_metric_set *set, void *p)
{
	if (!p)
		return NULL;
	if (set->nowned == set->owned_cap) {
		size_t cap = set->owned_cap ? set->owned_cap * 2 : 64;
		void **v = realloc(set->owned, cap * sizeof(*v));

		if (!v) {
			free(p);
			return NULL;
		}
		set->owned = v;
		set->owned_cap = cap;
	}
	set->owned[set->nowned++] = p;
	return p;
}

/* A JSON value's text; "" for null, which json-c gives as NULL. */
static const char *text_of(json_object *v)
{
	const char *s = json_object_get_string(v);

	return s ? s : "";
}

static const char *own_str(struct wt_metric_set *set, json_object *l, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(l, key, &v) || !json_object_is_type(v, json_type_string))
		return "";
	return own(set, strdup(json_object_get_string(v)));
}

static __u64 get_u64(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v) : 0;
}

static int parse_dev(json_object *l, __u32 *dev)
{
	json_object *v;
	unsigned maj, min;

	if (!json_object_object_get_ex(l, "dev", &v) ||
	    sscanf(text_of(v), "%u:%u", &maj, &min) != 2)
		return -1;
	*dev = wt_dev_make(maj, min);
	return 0;
}

static int sample_from_json(struct wt_metric_set *set, json_object *o, size_t idx, char *err, size_t errlen)
{
	json_object *v, *l = NULL, *arr;
	const struct wt_metric_def *d;
	struct wt_sample *s;
	int scope = -1, member = -1;

	if (!json_object_object_get_ex(o, "name", &v) || !(d = wt_metric_def_by_name(text_of(v))))
		return 0;	/* a metric this version does not know: not comparable */
	if (json_object_object_get_ex(o, "scope", &v))
		for (int sc = 0; sc < WT_SCOPE_COUNT; sc++)
			if (!strcmp(text_of(v), wt_scope_name(sc)))
				scope = sc;
	json_object_object_get_ex(o, "labels", &l);
	if (scope < 0 || !(d->scopes & WT_SCOPE_BIT(scope)) || !json_object_is_type(l, json_type_object)) {
		snprintf(err, errlen, "metrics[%zu] (%s): bad scope or labels", idx, d->name);
		return -1;
	}
	if (d->member_label) {
		if (!json_object_object_get_ex(l, d->member_label, &v))
			return 0;
		member = wt_metric_member_from_name(d, text_of(v));
		if (member < 0)
			return 0;
	}
	if (!(s = add(set, d->id, scope, member)))
		goto nomem;
	if ((scope == WT_SCOPE_DEVICE || scope == WT_SCOPE_FILE) && parse_dev(l, &s->dev)) {
		snprintf(err, errlen, "metrics[%zu] (%s): labels.dev is not MAJOR:MINOR", idx, d->name);
		return -1;
	}
	if (scope == WT_SCOPE_FILE) {
		s->ino = get_u64(l, "ino");
		s->gen = (__u32)get_u64(l, "generation");
		if (!(s->file = own_str(set, l, "file")) || !(s->parent = own_str(set, l, "parent")))
			goto nomem;
	}
	if (scope == WT_SCOPE_PROCESS) {
		s->pid = get_u64(l, "pid");
		if (!(s->comm = own_str(set, l, "comm")))
			goto nomem;
	}
	if (d->id == WT_M_PROBE_ATTACHED &&
	    (!(s->method = own_str(set, l, "method")) || !(s->target = own_str(set, l, "target"))))
		goto nomem;
	if (d->kind != WT_KIND_HISTOGRAM) {
		double x = json_object_object_get_ex(o, "value", &v) ? json_object_get_double(v) : 0;

		if (d->unit == WT_UNIT_SECONDS)
			x *= 1e9;
		/* llround() of a value beyond int64 is undefined: say so instead */
		if (!(x > -9.2e18 && x < 9.2e18)) {
			snprintf(err, errlen, "metrics[%zu] (%s): value %g is out of range: re-save the baseline with wtstat",
				 idx, d->name, json_object_get_double(v));
			return -1;
		}
		s->value = llround(x);
		return 0;
	}
	{
		struct wt_hist *h = own(set, calloc(1, sizeof(*h)));

		if (!h)
			goto nomem;
		h->count = get_u64(o, "count");
		h->sum_ns = get_u64(o, "sum_ns");
		h->max_ns = get_u64(o, "max_ns");
		if (json_object_object_get_ex(o, "histogram", &arr) && json_object_is_type(arr, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(arr); i++) {
				json_object *b = json_object_array_get_idx(arr, i);

				h->slots[wt_slot_of(get_u64(b, "lo_ns"))] += get_u64(b, "count");
			}
		}
		set->v[set->n - 1].hist = h;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int wt_metrics_from_json(struct wt_metric_set *set, json_object *arr, char *err, size_t errlen)
{
	memset(set, 0, sizeof(*set));
	if (!json_object_is_type(arr, json_type_array)) {
		snprintf(err, errlen, "\"metrics\" is not an array");
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		if (sample_from_json(set, json_object_array_get_idx(arr, i), i, err, errlen)) {
			wt_metrics_free(set);
			return -1;
		}
	}
	return 0;
}
