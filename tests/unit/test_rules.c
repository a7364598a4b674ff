// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Gate rules (src/rules.c) on the metric model (src/metrics.c): the
 * grammar, errors that point at the offending character, scopes and
 * roll-ups, baselines (including a baseline of 0 and the floor), and the
 * JSON form of a set that baselines are read back from.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "testutil.h"
#include <json-c/json.h>

#include "hist.h"
#include "metrics.h"
#include "rules.h"

/*
 * Device 7:0 holds db/wal (ino 10) and db/data (ino 11), device 8:0 holds
 * logs/app.log (ino 10 again); processes 100 "postgres" and 200 "fio".
 */
struct fixture {
	struct wt_snapshot s;
	struct wt_mapping_row maps[3];
	struct wt_dev_row devs[2];
	struct wt_proc_row procs[2];
	struct wt_metric_set set;
};

static void make(struct fixture *f, __u64 scale)
{
	memset(f, 0, sizeof(*f));
	f->s.mono_ns = 1000000000000ULL;
	f->maps[0].key = (struct wt_mapping_key){ .dev = wt_dev_make(7, 0), .ino = 10 };
	strcpy(f->maps[0].s.name, "wal");
	strcpy(f->maps[0].s.parent, "db");
	hist_put_n(&f->maps[0].s.wait, 3000, 90 * scale);
	f->maps[0].s.wt_begun = 40;
	f->maps[0].s.inflight_max = 3;
	f->maps[1].key = (struct wt_mapping_key){ .dev = wt_dev_make(7, 0), .ino = 11 };
	strcpy(f->maps[1].s.name, "data");
	strcpy(f->maps[1].s.parent, "db");
	hist_put_n(&f->maps[1].s.wait, 5000000, 10 * scale);
	f->maps[1].s.wt_begun = 2;
	f->maps[1].s.inflight_max = 7;
	f->maps[2].key = (struct wt_mapping_key){ .dev = wt_dev_make(8, 0), .ino = 10 };
	strcpy(f->maps[2].s.name, "app.log");
	strcpy(f->maps[2].s.parent, "logs");
	f->maps[2].s.other_waits = 4;
	f->maps[2].s.stable_since_ns = f->s.mono_ns - 2000000000ULL;	/* stable for 2 s now */
	f->devs[0].dev = wt_dev_make(7, 0);
	wt_hist_add(&f->devs[0].s.wait, &f->maps[0].s.wait);
	wt_hist_add(&f->devs[0].s.wait, &f->maps[1].s.wait);
	f->devs[1].dev = wt_dev_make(8, 0);
	f->devs[1].s.other_waits = 4;
	f->procs[0].pid = 100;
	strcpy(f->procs[0].s.comm, "postgres");
	f->procs[0].s.wait = f->maps[0].s.wait;
	f->procs[1].pid = 200;
	strcpy(f->procs[1].s.comm, "fio");
	f->procs[1].s.wait = f->maps[1].s.wait;
	f->s.maps = f->maps;
	f->s.nmaps = 3;
	f->s.devs = f->devs;
	f->s.ndevs = 2;
	f->s.procs = f->procs;
	f->s.nprocs = 2;
	f->s.totals.wait = f->devs[0].s.wait;
	f->s.totals.wt_begun = 42;
	f->s.totals.inflight_max = 7;
	f->s.counters[WT_ANOM_END_WITHOUT_BEGIN] = 1;
	f->s.counters[WT_ANOM_STABLE_LEAKED] = 2;
	assert_int_equal(wt_metrics_build(&f->set, &f->s, NULL, WT_ALL_FILES, 1.0), 0);
}

static struct wt_rule judge(const char *text, const struct wt_metric_set *obs, const struct wt_metric_set *base,
			    const struct wt_floor *floor)
{
	struct wt_rule r;
	char msg[512];
	int pos = -1;

	if (wt_rule_parse(text, &r, msg, sizeof(msg), &pos))
		fail_msg("'%s' rejected at %d: %s", text, pos, msg);
	wt_rule_eval(&r, obs, base, floor);
	return r;
}

static void test_parse_forms(void **state)
{
	struct wt_rule r;
	char msg[512];
	int pos;

	assert_int_equal(wt_rule_parse("stable_wait.p99 < 2ms", &r, msg, sizeof(msg), &pos), 0);
	assert_string_equal(r.ref.def->name, "stable_wait");
	assert_int_equal(r.ref.stat, WT_STAT_P99);
	assert_int_equal(r.op, WT_OP_LT);
	assert_true(r.bound == 2e6);
	assert_false(r.relative);

	assert_int_equal(wt_rule_parse("writethrough.inflight_max<64", &r, msg, sizeof(msg), &pos), 0);
	assert_int_equal(r.ref.def->id, WT_M_WT_INFLIGHT_MAX);
	assert_int_equal(r.ref.stat, WT_STAT_VALUE);
	assert_true(r.bound == 64);

	assert_int_equal(wt_rule_parse("anomalies == 0", &r, msg, sizeof(msg), &pos), 0);
	assert_int_equal(r.ref.member, -1);
	assert_int_equal(wt_rule_parse("anomalies.stable_leaked != 0", &r, msg, sizeof(msg), &pos), 0);
	assert_int_equal(r.ref.member, WT_ANOM_STABLE_LEAKED);
	assert_int_equal(r.op, WT_OP_NE);

	assert_int_equal(wt_rule_parse("  stable.time{file=\"a,b}\\\"c\"} >= 1.5s ", &r, msg, sizeof(msg), &pos), 0);
	assert_string_equal(r.ref.sel.file, "a,b}\"c");
	assert_true(r.bound == 1.5e9);
	assert_int_equal(r.op, WT_OP_GE);

	assert_int_equal(wt_rule_parse("stable_wait.count{dev=7:0, ino=11} <= 100", &r, msg, sizeof(msg), &pos), 0);
	assert_true(r.ref.sel.has_dev && r.ref.sel.dev == wt_dev_make(7, 0));
	assert_true(r.ref.sel.has_ino && r.ref.sel.ino == 11);

	assert_int_equal(wt_rule_parse("stable_wait.sum <= baseline+10%", &r, msg, sizeof(msg), &pos), 0);
	assert_true(r.relative && r.percent == 10);
	assert_int_equal(wt_rule_parse("stable_wait.count >= baseline - 2.5%", &r, msg, sizeof(msg), &pos), 0);
	assert_true(r.relative && r.percent == -2.5);
	assert_int_equal(wt_rule_parse("mappings == baseline", &r, msg, sizeof(msg), &pos), 0);
	assert_true(r.relative && r.percent == 0);

	assert_int_equal(wt_rule_parse("writethrough.inflight > -1", &r, msg, sizeof(msg), &pos), 0);
	assert_true(r.bound == -1);
	assert_int_equal(wt_rule_parse("stable_wait.max < 250us", &r, msg, sizeof(msg), &pos), 0);
	assert_true(r.bound == 250000);
	assert_int_equal(wt_rule_parse("stable_wait.mean < 7ns", &r, msg, sizeof(msg), &pos), 0);
	assert_true(r.bound == 7);
}

static void test_parse_errors(void **state)
{
	static const struct { const char *text; int pos; const char *msg; } cases[] = {
		{ "stable_wait.p99 < 2xs", 19, "unknown unit \"xs\"" },
		{ "stable_wait.p99 < 2", 19, "give a unit" },
		{ "stable_wait.p99 < -2ms", 18, "cannot be negative" },
		{ "stable_wait < 2ms", 11, "is a histogram" },
		{ "stable_wait.p95 < 2ms", 12, "unknown statistic \"p95\"" },
		{ "stable_waits.p99 < 2ms", 0, "unknown metric" },
		{ "writethrough.begun.count < 2", 18, "has no statistics" },
		{ "anomalies.oops == 0", 10, "unknown kind \"oops\"" },
		{ "anomalies{dev=7:0} == 0", 9, "only as a total" },
		{ "stable_wait.count{disk=1} < 2", 18, "unknown scope key \"disk\"" },
		{ "stable_wait.count{dev=sda} < 2", 22, "MAJOR:MINOR" },
		{ "stable_wait.count{dev=7:0,dev=8:0} < 2", 26, "given twice" },
		{ "stable_wait.count{file=\"x} < 2", 23, "unterminated quote" },
		{ "stable_wait.count{file=} < 2", 23, "empty value" },
		{ "stable_wait.count{file=x < 2", 28, "missing '}'" },
		{ "stable_wait.count{comm=fio,dev=7:0} < 2", 17, "cannot be combined" },
		{ "stable_wait.count{pid=0} < 2", 22, "process id" },
		{ "stable_wait.count{comm=abcdefghijklmnopq} < 2", 23, "too long" },
		{ "stable_wait.count 5", 18, "expected a comparison" },
		{ "stable_wait.count = 5", 18, "use ==" },
		{ "stable_wait.count < 5%", 21, "needs the baseline" },
		{ "stable_wait.count < 5ms", 21, "is a count" },
		{ "stable_wait.count < ", 20, "expected a number" },
		{ "stable_wait.count < 5 x", 22, "unexpected \"x\"" },
		{ "stable_wait.count < 5.", 20, "expected a number" },
		{ "stable_wait.count < baseline+10", 31, "expected '%'" },
		{ "stable_wait.count < baseline*2", 28, "unexpected" },
		{ "stable_wait.count < baselines", 20, "expected a number" },
		{ "", 0, "expected a metric name" },
		{ "9lives < 2", 0, "expected a metric name" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wt_rule r;
		char msg[512] = "";
		int pos = -1;

		if (!wt_rule_parse(cases[i].text, &r, msg, sizeof(msg), &pos))
			fail_msg("'%s' accepted", cases[i].text);
		if (pos != cases[i].pos || !strstr(msg, cases[i].msg))
			fail_msg("'%s': got %d '%s', expected %d '%s'", cases[i].text, pos, msg, cases[i].pos,
				 cases[i].msg);
		assert_null(strchr(msg, '\n'));	/* one line */
	}
}

static void test_ref_list(void **state)
{
	const char *text = "stable_wait.count{comm=fio},stable_wait.p99", *end;
	struct wt_metric_ref ref;
	char msg[256], name[128];
	int pos;

	assert_int_equal(wt_ref_parse(text, &ref, &end, msg, sizeof(msg), &pos), 0);
	assert_int_equal(*end, ',');
	wt_ref_format(name, sizeof(name), &ref);
	assert_string_equal(name, "stable_wait.count{comm=fio}");
	assert_int_equal(wt_ref_parse(end + 1, &ref, &end, msg, sizeof(msg), &pos), 0);
	assert_int_equal(*end, 0);
	assert_int_not_equal(wt_ref_parse("stable_wait.count junk", &ref, NULL, msg, sizeof(msg), &pos), 0);
	assert_int_equal(pos, 18);
}

static void test_eval_scopes(void **state)
{
	struct fixture f;
	struct wt_rule r;

	make(&f, 1);
	r = judge("stable_wait.count <= 100", &f.set, NULL, NULL);
	assert_true(r.observed == 100 && r.verdict == WT_VERDICT_PASS && r.matched == 1);
	r = judge("stable_wait.count < 100", &f.set, NULL, NULL);
	assert_int_equal(r.verdict, WT_VERDICT_FAIL);
	/* p99 lies in the slot of the 5 ms waits, p50 in that of the 3 us ones */
	r = judge("stable_wait.p99 < 2ms", &f.set, NULL, NULL);
	assert_int_equal(r.verdict, WT_VERDICT_FAIL);
	assert_true(r.observed >= 4194304 && r.observed < 8388608);
	r = judge("stable_wait.p50 < 4096ns", &f.set, NULL, NULL);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);
	r = judge("stable_wait.max == 5ms", &f.set, NULL, NULL);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);
	r = judge("stable_wait.sum == 50270us", &f.set, NULL, NULL);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);

	/* a device's own histogram; a file by name, parent/name or path */
	r = judge("stable_wait.count{dev=7:0} == 100", &f.set, NULL, NULL);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);
	r = judge("stable_wait.count{dev=8:0} == 0", &f.set, NULL, NULL);
	assert_true(r.verdict == WT_VERDICT_PASS && r.matched == 1);
	r = judge("stable_wait.count{file=wal} == 90", &f.set, NULL, NULL);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);
	r = judge("stable_wait.count{file=db/data} == 10", &f.set, NULL, NULL);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);
	r = judge("stable_wait.count{file=/srv/pg/db/data} == 10", &f.set, NULL, NULL);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);
	r = judge("stable_wait.count{file=/srv/pg/other/data} == 0", &f.set, NULL, NULL);
	assert_true(r.verdict == WT_VERDICT_PASS && r.matched == 0);
	/* ino 10 is on both devices: dev tells them apart */
	r = judge("other_wait{ino=10} == 4", &f.set, NULL, NULL);
	assert_true(r.verdict == WT_VERDICT_PASS && r.matched == 2);
	r = judge("other_wait{dev=7:0,ino=10} == 0", &f.set, NULL, NULL);
	assert_true(r.verdict == WT_VERDICT_PASS && r.matched == 1);
	/* processes */
	r = judge("stable_wait.count{comm=fio} == 10", &f.set, NULL, NULL);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);
	r = judge("stable_wait.count{pid=100} == 90", &f.set, NULL, NULL);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);

	/* files roll up into their device: sums, and maxima for *_max */
	r = judge("writethrough.begun{dev=7:0} == 42", &f.set, NULL, NULL);
	assert_true(r.verdict == WT_VERDICT_PASS && r.matched == 2);
	r = judge("writethrough.inflight_max{dev=7:0} == 7", &f.set, NULL, NULL);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);
	r = judge("writethrough.begun == 42", &f.set, NULL, NULL);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);

	/* members: all summed, or one */
	r = judge("anomalies == 0", &f.set, NULL, NULL);
	assert_true(r.verdict == WT_VERDICT_FAIL && r.observed == 3);
	r = judge("anomalies.stable_leaked == 2", &f.set, NULL, NULL);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);
	r = judge("dropped == 0", &f.set, NULL, NULL);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);

	/* stable time counts the open interval up to the snapshot */
	r = judge("stable.time{file=logs/app.log} == 2s", &f.set, NULL, NULL);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);
	r = judge("mappings == 3", &f.set, NULL, NULL);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);
	wt_metrics_free(&f.set);
}

static void test_eval_baseline(void **state)
{
	struct fixture now, base, zero;
	struct wt_floor floor = { .time_ns = 0, .count = 0 };
	struct wt_rule r;
	char why[256];

	make(&now, 2);		/* twice the waits of the baseline */
	make(&base, 1);
	r = judge("stable_wait.count <= baseline+10%", &now.set, &base.set, &floor);
	assert_true(r.verdict == WT_VERDICT_FAIL && r.base == 100 && fabs(r.limit - 110) < 1e-9);
	wt_rule_explain(why, sizeof(why), &r);
	assert_string_equal(why, "observed 200, bound <= 110 (baseline 100 +10%)");
	r = judge("stable_wait.count <= baseline+100%", &now.set, &base.set, &floor);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);
	r = judge("stable_wait.count <= baseline+10%", &base.set, &base.set, &floor);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);	/* a run against itself */
	r = judge("stable_wait.count >= baseline-10%", &base.set, &now.set, &floor);
	assert_true(r.verdict == WT_VERDICT_FAIL && r.limit == 180);
	r = judge("stable_wait.p99{comm=fio} <= baseline+10%", &now.set, &base.set, &floor);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);	/* same latencies, more of them */

	/* a baseline of 0: any growth fails, unless it stays within the floor */
	make(&zero, 0);
	r = judge("stable_wait.count{file=wal} <= baseline+10%", &now.set, &zero.set, &floor);
	assert_true(r.verdict == WT_VERDICT_FAIL && r.base == 0 && r.limit == 0);
	r = judge("stable_wait.count{file=wal} <= baseline+10%", &zero.set, &zero.set, &floor);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);
	floor.count = 200;
	r = judge("stable_wait.count{file=wal} <= baseline+10%", &now.set, &zero.set, &floor);
	assert_true(r.verdict == WT_VERDICT_PASS && r.limit == 200);
	floor.time_ns = 1e6;	/* a time floor does not widen a count */
	floor.count = 0;
	r = judge("stable_wait.count{file=wal} <= baseline+10%", &now.set, &zero.set, &floor);
	assert_int_equal(r.verdict, WT_VERDICT_FAIL);
	r = judge("stable_wait.p50{file=wal} <= baseline+10%", &now.set, &zero.set, &floor);
	assert_int_equal(r.verdict, WT_VERDICT_PASS);

	/* nothing in the baseline matches: 0, and the explanation says so */
	r = judge("stable_wait.count{comm=nosuch} <= baseline+10%", &now.set, &base.set, &floor);
	wt_rule_explain(why, sizeof(why), &r);
	assert_non_null(strstr(why, "no baseline data"));
	assert_non_null(strstr(why, "nothing traced matched"));
	wt_metrics_free(&now.set);
	wt_metrics_free(&base.set);
	wt_metrics_free(&zero.set);
}

/* A set written as JSON and read back answers every query the same. */
static void test_json_round_trip(void **state)
{
	static const char *const rules[] = {
		"stable_wait.count <= 0", "stable_wait.p99 <= 0ns", "stable_wait.max <= 0ns",
		"stable_wait.sum <= 0ns", "stable_wait.count{file=db/wal} <= 0",
		"stable_wait.p90{comm=fio} <= 0ns", "stable_wait.count{dev=7:0} <= 0",
		"writethrough.inflight_max{dev=7:0} <= 0", "anomalies.stable_leaked <= 0",
		"stable.time <= 0ns", "other_wait{dev=8:0} <= 0", "mappings <= 0",
	};
	struct fixture f;
	struct wt_metric_set back;
	json_object *arr, *parsed;
	char err[256];

	make(&f, 3);
	arr = wt_metrics_to_json(&f.set);
	parsed = json_tokener_parse(json_object_to_json_string(arr));
	assert_non_null(parsed);
	assert_int_equal(wt_metrics_from_json(&back, parsed, err, sizeof(err)), 0);
	assert_int_equal(back.n, f.set.n);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct wt_rule a = judge(rules[i], &f.set, NULL, NULL), b = judge(rules[i], &back, NULL, NULL);

		if (a.observed != b.observed || a.matched != b.matched)
			fail_msg("%s: %f/%d before, %f/%d after", rules[i], a.observed, a.matched, b.observed, b.matched);
	}
	/* unknown metrics (a newer version's) are skipped, bad scopes refused */
	json_object_array_add(parsed, json_tokener_parse("{\"name\":\"from_the_future\",\"scope\":\"total\"}"));
	wt_metrics_free(&back);
	assert_int_equal(wt_metrics_from_json(&back, parsed, err, sizeof(err)), 0);
	wt_metrics_free(&back);
	json_object_array_add(parsed, json_tokener_parse("{\"name\":\"anomalies\",\"scope\":\"file\",\"labels\":{}}"));
	assert_int_not_equal(wt_metrics_from_json(&back, parsed, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "anomalies"));
	/* a value beyond int64 is refused, not turned into garbage */
	json_object_put(parsed);
	parsed = json_tokener_parse("[{\"name\":\"waits_in_progress\",\"scope\":\"total\",\"labels\":{},\"value\":1e30}]");
	assert_int_not_equal(wt_metrics_from_json(&back, parsed, err, sizeof(err)), 0);
	if (!strstr(err, "out of range"))
		fail_msg("error: %s", err);
	json_object_put(arr);
	json_object_put(parsed);
	wt_metrics_free(&f.set);
}

static void test_options(void **state)
{
	double v;
	bool t;

	assert_true(wt_parse_percent("10%") == 10);
	assert_true(wt_parse_percent("2.5") == 2.5);
	assert_true(wt_parse_percent("-5%") < 0);
	assert_true(wt_parse_percent("10%%") < 0);
	assert_true(wt_parse_percent("ten") < 0);
	assert_int_equal(wt_parse_floor("5", &v, &t), 0);
	assert_true(v == 5 && !t);
	assert_int_equal(wt_parse_floor("1.5ms", &v, &t), 0);
	assert_true(v == 1.5e6 && t);
	assert_int_not_equal(wt_parse_floor("1 ms", &v, &t), 0);
	assert_int_not_equal(wt_parse_floor("5%", &v, &t), 0);
}

/* Every name in the model is unique and a well-formed Prometheus family. */
static void test_model_names(void **state)
{
	for (int i = 0; i < WT_M_COUNT; i++) {
		const struct wt_metric_def *d = wt_metric_def(i);

		assert_int_equal(d->id, i);
		assert_ptr_equal(wt_metric_def_by_name(d->name), d);
		assert_int_equal(strncmp(d->prom, "wtstat_", 7), 0);
		if (d->kind == WT_KIND_COUNTER)
			assert_string_equal(d->prom + strlen(d->prom) - 6, "_total");
		if (d->unit == WT_UNIT_SECONDS)
			assert_non_null(strstr(d->prom, "_seconds"));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(wt_metric_def(j)->prom, d->prom);
	}
}

/*
 * A reference prints back as text that parses to the same reference
 * (--max-regression rule texts, messages): values the grammar would split
 * or trim are quoted. Found by tests/fuzz/fuzz_rules.c.
 */
static void test_ref_format_reparses(void **state)
{
	static const struct { const char *text, *printed; } cases[] = {
		{ "stable.time{file=\"a,b}\\\"c\"}", "stable.time{file=\"a,b}\\\"c\"}" },
		{ "stable.time{file=\"back\\\\slash\"}", "stable.time{file=\"back\\\\slash\"}" },
		{ "stable_wait.p99{comm=\" fio\"}", "stable_wait.p99{comm=\" fio\"}" },
		{ "stable_wait.p99{dev=7:0,file=db/wal}", "stable_wait.p99{dev=7:0,file=db/wal}" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wt_metric_ref ref, again;
		char msg[256], back[600];
		int pos = -1;

		assert_int_equal(wt_ref_parse(cases[i].text, &ref, NULL, msg, sizeof(msg), &pos), 0);
		wt_ref_format(back, sizeof(back), &ref);
		assert_string_equal(back, cases[i].printed);
		if (wt_ref_parse(back, &again, NULL, msg, sizeof(msg), &pos))
			fail_msg("'%s' prints as '%s', refused at %d: %s", cases[i].text, back, pos, msg);
		assert_memory_equal(&ref.sel, &again.sel, sizeof(ref.sel));
	}
}

/*
 * A document read back and saved again is the same document, even for
 * names that were not UTF-8 (cleaned to U+FFFD, so longer than the
 * kernel's 63 bytes). Found by tests/fuzz/fuzz_baseline.c.
 */
static void test_json_resave_keeps_names(void **state)
{
	char doc[512], name[41], err[256];
	struct wt_metric_set once, twice;
	json_object *arr, *first, *second;

	memset(name, 0xff, sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	snprintf(doc, sizeof(doc), "[{\"name\":\"stable.time\",\"scope\":\"file\",\"labels\":{\"dev\":\"7:0\","
		 "\"ino\":12,\"file\":\"%s\",\"parent\":\"db\"},\"value\":2}]", name);
	arr = json_tokener_parse(doc);
	assert_non_null(arr);
	assert_int_equal(wt_metrics_from_json(&once, arr, err, sizeof(err)), 0);
	first = wt_metrics_to_json(&once);
	assert_int_equal(wt_metrics_from_json(&twice, first, err, sizeof(err)), 0);
	second = wt_metrics_to_json(&twice);
	assert_string_equal(json_object_to_json_string(first), json_object_to_json_string(second));
	/* every byte became one U+FFFD */
	assert_int_equal(strlen(twice.v[0].file), 3 * (sizeof(name) - 1));
	json_object_put(arr);
	json_object_put(first);
	json_object_put(second);
	wt_metrics_free(&once);
	wt_metrics_free(&twice);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_forms),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_ref_list),
		cmocka_unit_test(test_eval_scopes),
		cmocka_unit_test(test_eval_baseline),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_model_names),
		cmocka_unit_test(test_ref_format_reparses),
		cmocka_unit_test(test_json_resave_keeps_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
