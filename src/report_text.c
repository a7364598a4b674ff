// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hist.h"
#include "report.h"

const char *wt_fmt_ns(char *buf, size_t len, double ns)
{
	if (ns < 1e3)
		snprintf(buf, len, "%.0fns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.1fus", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.2fms", ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", ns / 1e9);
	return buf;
}

static const char *fmt_dev(char *buf, size_t len, __u32 dev)
{
	snprintf(buf, len, "%u:%u", wt_dev_major(dev), wt_dev_minor(dev));
	return buf;
}

static const char *file_label(char *buf, size_t len, const struct wt_mapping_stats *s)
{
	if (!s->name[0])
		snprintf(buf, len, "?");
	else if (s->parent[0] && strcmp(s->parent, "/"))
		snprintf(buf, len, "%.*s/%.*s", WT_NAME_LEN, s->parent, WT_NAME_LEN, s->name);
	else
		snprintf(buf, len, "%.*s", WT_NAME_LEN, s->name);
	return buf;
}

static bool wt_visible(const struct wt_tracer *t)
{
	return t->plan.ev[EV_WT_END].method != M_NONE || t->plan.ev[EV_DIO_COMPLETE].method != M_NONE ||
	       t->plan.ev[EV_WT_BEGIN].method == M_FENTRY || t->plan.ev[EV_WT_BEGIN].method == M_KPROBE;
}

static void print_dirty(FILE *f, const struct wt_report *r)
{
	const struct wt_snapshot *s = r->snap;
	const struct wt_hist *h = &s->totals.throttle;
	const struct wt_plan *p = &r->tracer->plan;
	char a[32], b[32], c[32], d[32];

	if (p->ev[EV_DIRTY_THROTTLE].method != M_NONE)
		fprintf(f, "dirty throttling %llu sleeps  total %s  p50 %s  p99 %s  max %s  (writethrough writers %llu)\n",
			(unsigned long long)h->count, wt_fmt_ns(a, sizeof(a), h->sum_ns),
			wt_fmt_ns(b, sizeof(b), wt_hist_quantile(h, 0.5, NULL, NULL)),
			wt_fmt_ns(c, sizeof(c), wt_hist_quantile(h, 0.99, NULL, NULL)),
			wt_fmt_ns(d, sizeof(d), h->max_ns), (unsigned long long)s->totals.throttle_wt);
	if (p->ev[EV_DIRTY_DRIFT].method == M_DERIVED)
		fprintf(f, "dirty drift %llu pages (%llu bytes) cleaned without accounting; kernel nr_dirty %lld pages\n",
			(unsigned long long)s->totals.drift_pages,
			(unsigned long long)s->totals.drift_pages * (unsigned long long)sysconf(_SC_PAGESIZE),
			(long long)s->kernel_nr_dirty);
	else
		fprintf(f, "dirty drift: %s\n", p->ev[EV_DIRTY_DRIFT].note);
}

static void print_totals(FILE *f, const struct wt_report *r)
{
	const struct wt_snapshot *s = r->snap;
	const struct wt_hist *h = &s->totals.wait;
	char a[32], b[32], c[32], d[32];

	fprintf(f, "stable waits %llu  total %s  p50 %s  p99 %s  max %s  (other writeback waits %llu)\n",
		(unsigned long long)h->count, wt_fmt_ns(a, sizeof(a), h->sum_ns),
		wt_fmt_ns(b, sizeof(b), wt_hist_quantile(h, 0.5, NULL, NULL)),
		wt_fmt_ns(c, sizeof(c), wt_hist_quantile(h, 0.99, NULL, NULL)),
		wt_fmt_ns(d, sizeof(d), h->max_ns),
		(unsigned long long)s->counters[WT_CNT_WAIT_OTHER]);
	if (wt_visible(r->tracer))
		fprintf(f, "writethroughs begun %llu  ended %llu  in flight %lld (max %lld)  waits during writethrough %llu\n",
			(unsigned long long)s->totals.wt_begun, (unsigned long long)s->totals.wt_ended,
			(long long)s->totals.inflight, (long long)s->totals.inflight_max,
			(unsigned long long)s->counters[WT_CNT_WAIT_DURING_WT]);
	else
		fprintf(f, "writethroughs: not observable on this kernel (see 'wtstat probes')\n");
	print_dirty(f, r);
}

static void print_mappings(FILE *f, const struct wt_report *r)
{
	const struct wt_snapshot *s = r->snap;
	unsigned shown = 0;

	fprintf(f, "%-9s %-10s %-28s %7s %9s %9s %9s %9s %6s %6s %5s %9s\n", "DEV", "INODE", "FILE",
		"WAITS", "TOTAL", "P50", "P99", "MAX", "WT_BEG", "WT_END", "INFL", "STABLE");
	for (size_t i = 0; i < s->nmaps && shown < r->top; i++) {
		const struct wt_mapping_row *m = &s->maps[i];
		const struct wt_hist *h = &m->s.wait;
		char dev[24], file[2 * WT_NAME_LEN + 2], a[32], b[32], c[32], d[32], st[32];

		if (!r->final && !h->count && !m->s.wt_begun && !m->s.wt_ended && !m->s.other_waits)
			continue;	/* quiet in this interval */
		fprintf(f, "%-9s %-10llu %-28.28s %7llu %9s %9s %9s %9s %6llu %6llu %5lld %9s\n",
			fmt_dev(dev, sizeof(dev), m->key.dev), (unsigned long long)m->key.ino,
			file_label(file, sizeof(file), &m->s), (unsigned long long)h->count,
			wt_fmt_ns(a, sizeof(a), h->sum_ns),
			wt_fmt_ns(b, sizeof(b), wt_hist_quantile(h, 0.5, NULL, NULL)),
			wt_fmt_ns(c, sizeof(c), wt_hist_quantile(h, 0.99, NULL, NULL)),
			wt_fmt_ns(d, sizeof(d), h->max_ns), (unsigned long long)m->s.wt_begun,
			(unsigned long long)m->s.wt_ended, (long long)m->s.inflight_max,
			wt_fmt_ns(st, sizeof(st), r->final ? wt_stable_time_ns(&m->s, s->mono_ns) : m->s.stable_ns));
		shown++;
	}
	if (s->nmaps > shown && r->final)
		fprintf(f, "(%zu more mappings not shown; --top N shows more)\n", s->nmaps - shown);
}

static void print_hist(FILE *f, const struct wt_hist *h)
{
	int first = -1, last = -1;
	__u64 peak = 0;

	/* slot 0 holds only waits that ended before the task slept */
	for (int i = 0; i < WT_HIST_SLOTS; i++) {
		if (!h->slots[i])
			continue;
		if (first < 1 && i > 0)
			first = i;
		last = i;
		if (h->slots[i] > peak)
			peak = h->slots[i];
	}
	if (!peak) {
		fprintf(f, "  (no stable waits)\n");
		return;
	}
	fprintf(f, "  %21s : %-10s %s\n", "latency", "count", "distribution");
	for (int i = 0; i <= last; i++) {
		char lo[32], hi[32], range[48], bar[41];
		int w = (int)(40 * h->slots[i] / peak);

		if (i == 0 && !h->slots[0])
			continue;
		if (i > 0 && i < first)
			continue;
		memset(bar, '*', w);
		bar[w] = 0;
		if (i == 0)
			snprintf(range, sizeof(range), "no sleep");
		else
			snprintf(range, sizeof(range), "%s -> %s", wt_fmt_ns(lo, sizeof(lo), wt_slot_lo(i)),
				 wt_fmt_ns(hi, sizeof(hi), wt_slot_hi(i)));
		fprintf(f, "  %21s : %-10llu |%-40s|\n", range, (unsigned long long)h->slots[i], bar);
	}
}

static void print_procs(FILE *f, const struct wt_report *r)
{
	const struct wt_snapshot *s = r->snap;
	unsigned shown = 0;

	fprintf(f, "%-8s %-16s %7s %9s %9s %9s %9s %9s\n", "PID", "COMM", "WAITS", "TOTAL", "P99", "DURING_WT",
		"THROTTLED", "THR_TOTAL");
	for (size_t i = 0; i < s->nprocs && shown < r->top; i++, shown++) {
		const struct wt_proc_row *p = &s->procs[i];
		char a[32], b[32], c[32];

		fprintf(f, "%-8u %-16.16s %7llu %9s %9s %9llu %9llu %9s\n", p->pid, p->s.comm,
			(unsigned long long)p->s.wait.count, wt_fmt_ns(a, sizeof(a), p->s.wait.sum_ns),
			wt_fmt_ns(b, sizeof(b), wt_hist_quantile(&p->s.wait, 0.99, NULL, NULL)),
			(unsigned long long)p->s.waits_during_wt, (unsigned long long)p->s.throttle.count,
			wt_fmt_ns(c, sizeof(c), p->s.throttle.sum_ns));
	}
}

static void print_counters(FILE *f, const struct wt_snapshot *s, bool (*pick)(int), const char *title)
{
	fprintf(f, "%s:", title);
	for (int c = 0; c < WT_COUNTER_MAX; c++)
		if (pick(c))
			fprintf(f, " %s=%llu", wt_counter_name(c), (unsigned long long)s->counters[c]);
	fprintf(f, "\n");
}

static const char *latency_method(const struct wt_tracer *t)
{
	switch (t->plan.ev[EV_STABLE_WAIT].method) {
	case M_FENTRY:
	case M_KPROBE:
		return "function entry to return";
	case M_TRACEPOINT:
		return "tracepoint to switch-in";
	default:
		return "not measured";
	}
}

void wt_report_text(FILE *f, const struct wt_report *r)
{
	char ts[32];
	time_t now = time(NULL);

	strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&now));
	if (!r->final) {
		fprintf(f, "%s  interval %.1fs\n", ts, r->interval_s);
		print_totals(f, r);
		print_mappings(f, r);
		fprintf(f, "\n");
		return;
	}
	fprintf(f, "=== wtstat: %.1fs traced, stable-wait latency: %s ===\n", r->elapsed_s,
		latency_method(r->tracer));
	if (r->command)
		fprintf(f, "command: %s (exit status %d)\n", r->command, r->command_status);
	print_totals(f, r);
	fprintf(f, "\n");
	print_mappings(f, r);
	fprintf(f, "\nstable-wait latency histogram:\n");
	print_hist(f, &r->snap->totals.wait);
	fprintf(f, "\n");
	print_procs(f, r);
	fprintf(f, "\n");
	print_counters(f, r->snap, wt_counter_is_anomaly, "anomalies");
	print_counters(f, r->snap, wt_counter_is_drop, "dropped");
	if (r->snap->pending)
		fprintf(f, "waits still in progress: %lld\n", (long long)r->snap->pending);
}

void wt_probes_text(FILE *f, const struct wt_tracer *t)
{
	const struct wt_kernel_desc *d = &t->desc;

	fprintf(f, "kernel %s: BTF %s, kprobes %s, i_wt_count %s, AS_STABLE_WRITES %s\n", d->release,
		d->btf ? "yes" : "no", d->kprobes > 0 ? "yes" : d->kprobes == 0 ? "no" : "unknown",
		d->have_wt_count ? "yes (writethrough patch)" : "no",
		d->have_as_stable ? "yes" : "no (per-superblock stable writes)");
	fprintf(f, "layouts: stable writes per %s, folio flags %s, balance_dirty_pages tracepoint %d args\n",
		d->have_as_stable ? "mapping (AS_STABLE_WRITES)" : "superblock (SB_I_STABLE_WRITES)",
		d->folio_memdesc ? "memdesc_flags_t" : "unsigned long", d->bdp_nargs);
	fprintf(f, "%-15s %-10s %-32s %-8s %s\n", "EVENT", "METHOD", "TARGET", "ATTACHED", "NOTE");
	for (int ev = 0; ev < EV_COUNT; ev++) {
		const struct wt_choice *c = &t->plan.ev[ev];
		const char *att = c->method == M_DERIVED ? "derived"
				: t->skel && t->attached[ev] ? "yes"
				: !c->needed || c->method == M_NONE ? "no" : t->skel ? "no" : "planned";

		fprintf(f, "%-15s %-10s %-32s %-8s %s\n", wt_event_name(ev),
			c->method == M_NONE ? "-" : wt_method_name(c->method),
			c->method == M_NONE ? "-" : c->target, att, c->note);
		for (int i = 0; i < c->nrejected; i++)
			fprintf(f, "  %-13s %-10s %-32s %-8s %s\n", "rejected", wt_method_name(c->rejected[i].method),
				c->rejected[i].target, "", c->rejected[i].reason);
	}
}
