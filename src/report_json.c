// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* JSON reports; every key here is documented in README.md ("JSON"). */
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "hist.h"
#include "report.h"
#include "utf8.h"

static json_object *u64(__u64 v)
{
	return json_object_new_uint64(v);
}

static json_object *hist_json(const struct wt_hist *h, bool with_slots)
{
	json_object *o = json_object_new_object(), *slots;
	static const struct { const char *key, *bounds; double q; } qs[] = {
		{ "p50_ns", "p50_bounds_ns", 0.50 },
		{ "p90_ns", "p90_bounds_ns", 0.90 },
		{ "p99_ns", "p99_bounds_ns", 0.99 },
	};

	json_object_object_add(o, "count", u64(h->count));
	json_object_object_add(o, "sum_ns", u64(h->sum_ns));
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double lo, hi, v = wt_hist_quantile(h, qs[i].q, &lo, &hi);
		json_object *b = json_object_new_array();

		json_object_object_add(o, qs[i].key, u64((__u64)(v + 0.5)));
		json_object_array_add(b, u64((__u64)lo));
		json_object_array_add(b, u64((__u64)hi));
		json_object_object_add(o, qs[i].bounds, b);
	}
	json_object_object_add(o, "max_ns", u64(h->max_ns));
	if (!with_slots)
		return o;
	/* non-empty log2 slots: [lo_ns, hi_ns) and count */
	slots = json_object_new_array();
	for (unsigned i = 0; i < WT_HIST_SLOTS; i++) {
		json_object *s;

		if (!h->slots[i])
			continue;
		s = json_object_new_object();
		json_object_object_add(s, "lo_ns", u64(wt_slot_lo(i)));
		json_object_object_add(s, "hi_ns", u64(wt_slot_hi(i)));
		json_object_object_add(s, "count", u64(h->slots[i]));
		json_object_array_add(slots, s);
	}
	json_object_object_add(o, "histogram", slots);
	return o;
}

/* Kernel-supplied names (files, comms) as valid UTF-8 JSON strings. */
static json_object *name_str(const char *raw, size_t maxlen)
{
	char clean[3 * WT_NAME_LEN + 1];

	return json_object_new_string(wt_utf8_clean(clean, sizeof(clean), raw, maxlen));
}

static json_object *dev_str(__u32 dev)
{
	char b[24];

	snprintf(b, sizeof(b), "%u:%u", wt_dev_major(dev), wt_dev_minor(dev));
	return json_object_new_string(b);
}

static json_object *probes_json(const struct wt_tracer *t)
{
	json_object *arr = json_object_new_array();

	for (int ev = 0; ev < EV_COUNT; ev++) {
		const struct wt_choice *c = &t->plan.ev[ev];
		json_object *o = json_object_new_object(), *rej = json_object_new_array();

		json_object_object_add(o, "event", json_object_new_string(wt_event_name(ev)));
		json_object_object_add(o, "neighbour", json_object_new_boolean(wt_event_is_neighbour(ev)));
		json_object_object_add(o, "method", json_object_new_string(wt_method_name(c->method)));
		json_object_object_add(o, "target", c->method == M_NONE ? NULL : json_object_new_string(c->target));
		json_object_object_add(o, "attached", json_object_new_boolean(t->skel && t->attached[ev]));
		json_object_object_add(o, "needed", json_object_new_boolean(c->needed));
		json_object_object_add(o, "reason", json_object_new_string(c->note));
		for (int i = 0; i < c->nrejected; i++) {
			json_object *r = json_object_new_object();

			json_object_object_add(r, "method", json_object_new_string(wt_method_name(c->rejected[i].method)));
			json_object_object_add(r, "target", json_object_new_string(c->rejected[i].target));
			json_object_object_add(r, "reason", json_object_new_string(c->rejected[i].reason));
			json_object_array_add(rej, r);
		}
		json_object_object_add(o, "rejected", rej);
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *writethrough_json(__u64 begun, __u64 ended, __s64 inflight, __s64 inflight_max,
				      __u64 write_calls)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "begun", u64(begun));
	json_object_object_add(o, "ended", u64(ended));
	json_object_object_add(o, "inflight", json_object_new_int64(inflight));
	json_object_object_add(o, "inflight_max", json_object_new_int64(inflight_max));
	json_object_object_add(o, "write_calls", u64(write_calls));
	return o;
}

static json_object *mapping_json(const struct wt_mapping_row *m, const struct wt_report *r)
{
	json_object *o = json_object_new_object(), *st = json_object_new_object();
	const struct wt_mapping_stats *s = &m->s;

	json_object_object_add(o, "dev", dev_str(m->key.dev));
	json_object_object_add(o, "ino", u64(m->key.ino));
	json_object_object_add(o, "generation", u64(m->key.gen));
	json_object_object_add(o, "file", name_str(s->name, sizeof(s->name)));
	json_object_object_add(o, "parent", name_str(s->parent, sizeof(s->parent)));
	json_object_object_add(o, "stable_wait", hist_json(&s->wait, false));
	json_object_object_add(o, "other_wait_count", u64(s->other_waits));
	json_object_object_add(o, "waits_during_writethrough", u64(s->waits_during_wt));
	json_object_object_add(o, "writethrough",
			       writethrough_json(s->wt_begun, s->wt_ended, s->inflight, s->inflight_max,
						 s->wt_write_calls));
	json_object_object_add(o, "kernel_wt_count", json_object_new_int64(s->kernel_wt_count));
	json_object_object_add(st, "sets", u64(s->stable_sets));
	json_object_object_add(st, "clears", u64(s->stable_clears));
	json_object_object_add(st, "time_ns", u64(r->final ? wt_stable_time_ns(s, r->snap->mono_ns) : s->stable_ns));
	json_object_object_add(st, "now", json_object_new_boolean(s->stable_since_ns != 0));
	json_object_object_add(o, "stable", st);
	st = json_object_new_object();
	json_object_object_add(st, "tracked_folios", u64(s->dirty_tracked));
	json_object_object_add(st, "accounted_folios", u64(s->dirty_accounted));
	json_object_object_add(st, "drift_pages", u64(s->drift_pages));
	json_object_object_add(o, "dirty", st);
	return o;
}

static json_object *counters_json(const struct wt_snapshot *s, bool (*pick)(int))
{
	json_object *o = json_object_new_object();

	for (int c = 0; c < WT_COUNTER_MAX; c++)
		if (pick(c))
			json_object_object_add(o, wt_counter_name(c), u64(s->counters[c]));
	return o;
}

static bool is_measurement(int c)
{
	return !wt_counter_is_anomaly(c) && !wt_counter_is_drop(c);
}

int wt_report_json(FILE *f, const struct wt_report *r)
{
	const struct wt_tracer *t = r->tracer;
	const struct wt_snapshot *s = r->snap;
	json_object *root = json_object_new_object(), *k, *tot, *arr, *st;
	char iso[40];
	time_t now = time(NULL);
	__u64 sets = 0, clears = 0, stable_ns = 0, other = 0;
	int err;

	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	json_object_object_add(root, "schema_version", json_object_new_int(WT_SCHEMA_VERSION));
	json_object_object_add(root, "tool", json_object_new_string("wtstat"));
	json_object_object_add(root, "version", json_object_new_string(WT_VERSION));
	json_object_object_add(root, "kind", json_object_new_string(r->dry_run ? "plan" : r->final ? "final" : "interval"));
	json_object_object_add(root, "time", json_object_new_string(iso));
	k = json_object_new_object();
	json_object_object_add(k, "release", json_object_new_string(t->desc.release));
	json_object_object_add(k, "btf", json_object_new_boolean(t->desc.btf));
	json_object_object_add(k, "kprobes", json_object_new_boolean(t->desc.kprobes > 0));
	json_object_object_add(k, "i_wt_count", json_object_new_boolean(t->desc.have_wt_count));
	json_object_object_add(k, "as_stable_writes", json_object_new_boolean(t->desc.have_as_stable));
	/* the kernel layouts the BPF programs were relocated for */
	json_object_object_add(k, "stable_writes_flag", json_object_new_string(
		t->desc.have_as_stable ? "mapping" : "superblock"));
	if (t->desc.have_as_stable)
		json_object_object_add(k, "as_stable_writes_bit", json_object_new_int(t->desc.as_stable_bit));
	json_object_object_add(k, "folio_flags", json_object_new_string(
		t->desc.folio_memdesc ? "memdesc_flags_t" : "unsigned long"));
	json_object_object_add(k, "balance_dirty_pages_args", json_object_new_int(t->desc.bdp_nargs));
	json_object_object_add(root, "kernel", k);
	json_object_object_add(root, "probes", probes_json(t));
	if (!s) {
		err = fprintf(f, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN)) < 0;
		json_object_put(root);
		return err ? -1 : 0;
	}
	json_object_object_add(root, "elapsed_s", json_object_new_double(r->elapsed_s));
	if (!r->final)
		json_object_object_add(root, "interval_s", json_object_new_double(r->interval_s));
	json_object_object_add(root, "latency_method", json_object_new_string(
		t->plan.ev[EV_STABLE_WAIT].method == M_TRACEPOINT ? "tracepoint_to_switch_in"
		: t->plan.ev[EV_STABLE_WAIT].method == M_NONE ? "none" : "function_entry_to_return"));
	if (r->command) {
		json_object *c = json_object_new_object();

		json_object_object_add(c, "argv", json_object_new_string(r->command));
		json_object_object_add(c, "exit_status", json_object_new_int(r->command_status));
		json_object_object_add(root, "command", c);
	}

	for (size_t i = 0; i < s->nmaps; i++) {
		sets += s->maps[i].s.stable_sets;
		clears += s->maps[i].s.stable_clears;
		stable_ns += r->final ? wt_stable_time_ns(&s->maps[i].s, s->mono_ns) : s->maps[i].s.stable_ns;
	}
	tot = json_object_new_object();
	json_object_object_add(tot, "stable_wait", hist_json(&s->totals.wait, true));
	other = s->counters[WT_CNT_WAIT_OTHER];
	json_object_object_add(tot, "other_wait_count", u64(other));
	json_object_object_add(tot, "waits_during_writethrough", u64(s->counters[WT_CNT_WAIT_DURING_WT]));
	json_object_object_add(tot, "waits_in_progress", json_object_new_int64(s->pending));
	json_object_object_add(tot, "writethrough",
			       writethrough_json(s->totals.wt_begun, s->totals.wt_ended, s->totals.inflight,
						 s->totals.inflight_max, s->counters[WT_CNT_WT_WRITE_CALLS]));
	st = json_object_new_object();
	json_object_object_add(st, "sets", u64(sets));
	json_object_object_add(st, "clears", u64(clears));
	json_object_object_add(st, "time_ns", u64(stable_ns));
	json_object_object_add(tot, "stable", st);
	st = hist_json(&s->totals.throttle, true);
	json_object_object_add(st, "writethrough_writers", u64(s->totals.throttle_wt));
	json_object_object_add(tot, "dirty_throttle", st);
	st = json_object_new_object();
	json_object_object_add(st, "available", json_object_new_boolean(t->plan.ev[EV_DIRTY_DRIFT].method == M_DERIVED));
	json_object_object_add(st, "pages", u64(s->totals.drift_pages));
	json_object_object_add(st, "bytes", u64(s->totals.drift_pages * (__u64)sysconf(_SC_PAGESIZE)));
	json_object_object_add(st, "folios", u64(s->counters[WT_ANOM_DIRTY_DRIFT]));
	json_object_object_add(st, "tracked_folios", u64(s->counters[WT_CNT_DIRTY_TRACKED]));
	json_object_object_add(st, "accounted_folios", u64(s->counters[WT_CNT_DIRTY_ACCOUNTED]));
	json_object_object_add(st, "kernel_nr_dirty_pages", json_object_new_int64(s->kernel_nr_dirty));
	json_object_object_add(tot, "dirty_drift", st);
	json_object_object_add(root, "totals", tot);

	arr = json_object_new_array();
	for (size_t i = 0, n = 0; i < s->nmaps && n < r->top; i++) {
		const struct wt_mapping_stats *m = &s->maps[i].s;

		if (!r->final && !m->wait.count && !m->wt_begun && !m->wt_ended && !m->other_waits)
			continue;
		json_object_array_add(arr, mapping_json(&s->maps[i], r));
		n++;
	}
	json_object_object_add(root, "mappings", arr);
	json_object_object_add(root, "mappings_total", u64(s->nmaps));

	arr = json_object_new_array();
	for (size_t i = 0; i < s->nprocs && i < r->top; i++) {
		json_object *p = json_object_new_object();

		json_object_object_add(p, "pid", u64(s->procs[i].pid));
		json_object_object_add(p, "comm", name_str(s->procs[i].s.comm, sizeof(s->procs[i].s.comm)));
		json_object_object_add(p, "stable_wait", hist_json(&s->procs[i].s.wait, false));
		json_object_object_add(p, "waits_during_writethrough", u64(s->procs[i].s.waits_during_wt));
		json_object_object_add(p, "dirty_throttle", hist_json(&s->procs[i].s.throttle, false));
		json_object_object_add(p, "dirty_throttle_writethrough", u64(s->procs[i].s.throttle_wt));
		json_object_array_add(arr, p);
	}
	json_object_object_add(root, "processes", arr);

	arr = json_object_new_array();
	for (size_t i = 0; i < s->ndevs; i++) {
		json_object *d = json_object_new_object();

		json_object_object_add(d, "dev", dev_str(s->devs[i].dev));
		json_object_object_add(d, "stable_wait", hist_json(&s->devs[i].s.wait, true));
		json_object_object_add(d, "other_wait_count", u64(s->devs[i].s.other_waits));
		json_object_object_add(d, "dirty_throttle", hist_json(&s->devs[i].s.throttle, true));
		json_object_object_add(d, "dirty_throttle_writethrough", u64(s->devs[i].s.throttle_wt));
		json_object_object_add(d, "dirty_drift_pages", u64(s->devs[i].s.drift_pages));
		json_object_array_add(arr, d);
	}
	json_object_object_add(root, "devices", arr);
	json_object_object_add(root, "anomalies", counters_json(s, wt_counter_is_anomaly));
	json_object_object_add(root, "dropped", counters_json(s, wt_counter_is_drop));
	json_object_object_add(root, "measurement", counters_json(s, is_measurement));

	err = fprintf(f, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN)) < 0;
	json_object_put(root);
	return err ? -1 : 0;
}
