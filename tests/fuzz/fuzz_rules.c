// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: gate rules (src/rules.c). The input is read as a
 * --rule, as a --regress-on list, and as the numbers of --max-regression
 * and --regression-floor. Checked beyond "does not crash":
 *   - a refusal returns -1 with one non-empty line (for input on one line)
 *     and a character offset inside the text; a small message buffer gives
 *     the same verdict and offset;
 *   - an accepted rule prints back (wt_ref_format) and parses to the same
 *     rule, and so does every reference of a --regress-on list;
 *   - a rule judged on a fixed set of metrics passes exactly when its
 *     comparison holds, and its explanation is one line.
 */
#include <json-c/json.h>
#include <math.h>
#include "fuzz.h"
#include "metrics.h"
#include "rules.h"

/* A little of every scope and kind, for rules to be judged on. */
static const char observed_json[] =
	"[{\"name\":\"stable_wait\",\"scope\":\"total\",\"labels\":{},\"count\":3,\"sum_ns\":9000,\"max_ns\":5000,"
	"  \"histogram\":[{\"lo_ns\":2048,\"count\":2},{\"lo_ns\":4096,\"count\":1}]},"
	" {\"name\":\"stable_wait\",\"scope\":\"device\",\"labels\":{\"dev\":\"7:0\"},\"count\":3,\"sum_ns\":9000,"
	"  \"max_ns\":5000,\"histogram\":[{\"lo_ns\":2048,\"count\":2},{\"lo_ns\":4096,\"count\":1}]},"
	" {\"name\":\"stable_wait\",\"scope\":\"file\",\"labels\":{\"dev\":\"7:0\",\"ino\":10,\"file\":\"wal\","
	"  \"parent\":\"db\"},\"count\":1,\"sum_ns\":5000,\"max_ns\":5000,\"histogram\":[{\"lo_ns\":4096,\"count\":1}]},"
	" {\"name\":\"stable_wait\",\"scope\":\"process\",\"labels\":{\"pid\":100,\"comm\":\"fio\"},\"count\":1,"
	"  \"sum_ns\":5000,\"max_ns\":5000,\"histogram\":[{\"lo_ns\":4096,\"count\":1}]},"
	" {\"name\":\"other_wait\",\"scope\":\"device\",\"labels\":{\"dev\":\"8:0\"},\"value\":4},"
	" {\"name\":\"writethrough.inflight_max\",\"scope\":\"file\",\"labels\":{\"dev\":\"7:0\",\"ino\":10,"
	"  \"file\":\"wal\",\"parent\":\"db\"},\"value\":7},"
	" {\"name\":\"writethrough.inflight_max\",\"scope\":\"file\",\"labels\":{\"dev\":\"7:0\",\"ino\":11,"
	"  \"file\":\"a,b\",\"parent\":\"/\"},\"value\":3},"
	" {\"name\":\"stable.transitions\",\"scope\":\"total\",\"labels\":{\"direction\":\"set\"},\"value\":5},"
	" {\"name\":\"anomalies\",\"scope\":\"total\",\"labels\":{\"kind\":\"stable_leaked\"},\"value\":2},"
	" {\"name\":\"stable.time\",\"scope\":\"total\",\"labels\":{},\"value\":1.5}]";

static struct wt_metric_set observed;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	json_object *arr = json_tokener_parse(observed_json);
	char err[256];

	if (!arr || wt_metrics_from_json(&observed, arr, err, sizeof(err))) {
		fprintf(stderr, "fuzz_rules: the fixed metric set does not load: %s\n", arr ? err : "not JSON");
		abort();
	}
	json_object_put(arr);
	return 0;
}

static bool same_ref(const struct wt_metric_ref *a, const struct wt_metric_ref *b)
{
	return a->def == b->def && a->member == b->member && a->stat == b->stat &&
	       !memcmp(&a->sel, &b->sel, sizeof(a->sel));
}

/* The reference printed back parses alone to the same reference. */
static void check_ref_round_trip(const char *text, const struct wt_metric_ref *ref)
{
	struct wt_metric_ref again;
	char back[1024], msg[768];
	int pos = -1;

	wt_ref_format(back, sizeof(back), ref);
	fuzz_check(!wt_ref_parse(back, &again, NULL, msg, sizeof(msg), &pos),
		   "'%s' prints back as '%s', which is refused at character %d: %s", text, back, pos + 1, msg);
	fuzz_check(same_ref(ref, &again), "'%s' prints back as '%s', which parses to another reference", text, back);
}

static bool holds(double a, enum wt_op op, double b)
{
	switch (op) {
	case WT_OP_LT: return a < b;
	case WT_OP_LE: return a <= b;
	case WT_OP_GT: return a > b;
	case WT_OP_GE: return a >= b;
	case WT_OP_EQ: return a == b;
	case WT_OP_NE: return a != b;
	}
	return false;
}

static void check_rule(const char *text)
{
	static const size_t lens[] = { 768, 20 };
	const bool one_line = !strchr(text, '\n');
	struct wt_rule r, r2;
	int rcs[2], pos[2] = { -1, -1 };

	for (int i = 0; i < 2; i++) {
		char *msg = fuzz_msg_buf(lens[i]);
		struct wt_rule *out = i ? &r2 : &r;

		rcs[i] = wt_rule_parse(text, out, msg, lens[i], &pos[i]);
		fuzz_check(rcs[i] == 0 || rcs[i] == -1, "'%s': returned %d", text, rcs[i]);
		if (rcs[i]) {
			fuzz_check(pos[i] >= 0 && (size_t)pos[i] <= strlen(text), "'%s': offset %d", text, pos[i]);
			fuzz_check(fuzz_one_line(msg, lens[i]) || (!one_line && msg[0]), "'%s': message \"%s\"", text, msg);
		} else {
			fuzz_check(msg[0] == 'X', "'%s': accepted but wrote a message \"%s\"", text, msg);
		}
		free(msg);
	}
	fuzz_check(rcs[0] == rcs[1] && pos[0] == pos[1], "'%s': the message buffer changed the verdict", text);
	if (rcs[0])
		return;

	/* print the reference and the operator back, keep the bound as written */
	{
		struct wt_metric_ref ref;
		const char *end, *bound;
		char back[2048], msg[768], why[512];
		int p = -1;

		fuzz_check(!wt_ref_parse(text, &ref, &end, msg, sizeof(msg), &p) && same_ref(&ref, &r.ref),
			   "'%s': its reference alone does not parse the same", text);
		check_ref_round_trip(text, &r.ref);
		bound = end + strspn(end, " \t");
		fuzz_check(!strncmp(bound, wt_op_text(r.op), strlen(wt_op_text(r.op))), "'%s': operator %s not at '%s'",
			   text, wt_op_text(r.op), bound);
		bound += strlen(wt_op_text(r.op));
		wt_ref_format(back, sizeof(back), &r.ref);
		snprintf(back + strlen(back), sizeof(back) - strlen(back), " %s %s", wt_op_text(r.op), bound);
		if (strlen(back) < sizeof(r.text)) {
			fuzz_check(!wt_rule_parse(back, &r2, msg, sizeof(msg), &p),
				   "'%s' prints back as '%s', which is refused at character %d: %s", text, back, p + 1, msg);
			fuzz_check(same_ref(&r.ref, &r2.ref) && r.op == r2.op && r.relative == r2.relative &&
				   !memcmp(&r.bound, &r2.bound, sizeof(r.bound)) &&
				   !memcmp(&r.percent, &r2.percent, sizeof(r.percent)),
				   "'%s' prints back as '%s', which parses to another rule", text, back);
		}

		/* judged on the fixed set, with itself as the baseline */
		{
			struct wt_floor floor = { 1000, 1 };

			wt_rule_eval(&r, &observed, &observed, &floor);
			fuzz_check(r.verdict == (holds(r.observed, r.op, r.limit) ? WT_VERDICT_PASS : WT_VERDICT_FAIL),
				   "'%s': verdict %d for %g %s %g", text, r.verdict, r.observed, wt_op_text(r.op), r.limit);
			fuzz_check(!r.relative || r.base == r.observed, "'%s': baseline %g is the observed set, %g",
				   text, r.base, r.observed);
			wt_rule_explain(why, sizeof(why), &r);
			fuzz_check(fuzz_one_line(why, sizeof(why)), "'%s': explanation \"%s\"", text, why);
		}
	}
}

/* --regress-on: references separated by ',' */
static void check_ref_list(const char *text)
{
	const char *p = text;

	for (;;) {
		struct wt_metric_ref ref;
		const char *end;
		char msg[768];
		int pos = -1;

		if (wt_ref_parse(p, &ref, &end, msg, sizeof(msg), &pos)) {
			fuzz_check(pos >= 0 && (size_t)pos <= strlen(p), "'%s': offset %d", p, pos);
			return;
		}
		fuzz_check(end > p && end <= p + strlen(p), "'%s': parse ended outside the text", p);
		check_ref_round_trip(p, &ref);
		end += strspn(end, " ");
		if (*end != ',')
			return;
		p = end + 1;
	}
}

static void check_numbers(const char *text)
{
	double pct = wt_parse_percent(text), v = -1;
	bool is_time = false;

	fuzz_check(pct == -1 || (pct >= 0 && pct <= 100000), "'%s': percentage %g", text, pct);
	if (!wt_parse_floor(text, &v, &is_time))
		fuzz_check(v >= 0 && isfinite(v), "'%s': floor %g", text, v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);

	check_rule(text);
	check_ref_list(text);
	check_numbers(text);
	free(text);
	return 0;
}
