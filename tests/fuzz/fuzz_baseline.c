// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: the gate document reader behind --baseline and
 * --input (wt_gate_doc_parse, wt_metrics_from_json). The input is the
 * file's bytes. Checked beyond "does not crash" and "does not leak":
 *   - a refusal returns no document, one non-empty line, and an empty set;
 *     a small message buffer gives the same verdict;
 *   - an accepted document's metrics, written back as --save writes them
 *     and read again, are the same samples (labels, members, histograms and
 *     counts exact; times to the nanosecond's rounding), and a second trip
 *     changes nothing more;
 *   - a set judged against itself as the baseline never regresses.
 * Half of the mutations are made on the JSON tree (a value swapped for
 * null, a number, a string, an array or an object): byte mutations alone
 * seldom keep a document valid enough to reach the metric reader.
 */
#include <json-c/json.h>
#include <math.h>
#include "fuzz.h"
#include "gate_doc.h"
#include "hist.h"
#include "metrics.h"
#include "rules.h"

static const char *str(const char *s)
{
	return s ? s : "";
}

static bool close_ns(__s64 a, __s64 b)
{
	double d = fabs((double)a - (double)b);

	return d <= fmax(1, fabs((double)a) * 1e-15);
}

/* b is a read back of a; names may have been cleaned on the way (exact: false) */
static void check_same(const struct wt_metric_set *a, const struct wt_metric_set *b, bool exact)
{
	fuzz_check(a->n == b->n, "%zu samples read back as %zu", a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct wt_sample *x = &a->v[i], *y = &b->v[i];
		const char *name = x->def->name;

		fuzz_check(x->def == y->def && x->scope == y->scope && x->member == y->member,
			   "sample %zu (%s): metric, scope or member changed", i, name);
		fuzz_check(x->dev == y->dev && x->ino == y->ino && x->pid == y->pid, "sample %zu (%s): labels changed",
			   i, name);
		if (exact)
			fuzz_check(!strcmp(str(x->file), str(y->file)) && !strcmp(str(x->parent), str(y->parent)) &&
				   !strcmp(str(x->comm), str(y->comm)) && !strcmp(str(x->method), str(y->method)) &&
				   !strcmp(str(x->target), str(y->target)),
				   "sample %zu (%s): names changed", i, name);
		if (x->def->kind == WT_KIND_HISTOGRAM) {
			fuzz_check(x->hist && y->hist && !memcmp(x->hist, y->hist, sizeof(*x->hist)),
				   "sample %zu (%s): histogram changed", i, name);
		} else if (x->def->unit == WT_UNIT_SECONDS && !exact) {
			fuzz_check(close_ns(x->value, y->value), "sample %zu (%s): %lld ns read back as %lld", i, name,
				   (long long)x->value, (long long)y->value);
		} else {
			fuzz_check(x->value == y->value, "sample %zu (%s): %lld read back as %lld", i, name,
				   (long long)x->value, (long long)y->value);
		}
	}
}

/* The set as --save writes it, read back. */
static void read_back(const struct wt_metric_set *set, struct wt_metric_set *again)
{
	json_object *arr = wt_metrics_to_json(set);
	const char *text = json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN);
	json_object *parsed = json_tokener_parse(text);
	char err[256];

	fuzz_check(parsed != NULL, "the written metrics are not JSON: %.200s", text);
	fuzz_check(!wt_metrics_from_json(again, parsed, err, sizeof(err)), "the written metrics are refused: %s", err);
	json_object_put(parsed);
	json_object_put(arr);
}

static void check_self_baseline(const struct wt_metric_set *set)
{
	static const char *const rules[] = {
		"stable_wait.p99 <= baseline", "stable_wait.count{comm=fio} <= baseline",
		"stable_wait.mean{dev=7:0} <= baseline", "writethrough.inflight_max{dev=7:0} <= baseline+0%",
		"stable.time{file=wal} <= baseline", "anomalies <= baseline", "dirty_throttle.max{pid=1} >= baseline",
	};
	const struct wt_floor none = { 0, 0 };

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct wt_rule r;
		char msg[256];
		int pos;

		fuzz_check(!wt_rule_parse(rules[i], &r, msg, sizeof(msg), &pos), "'%s': %s", rules[i], msg);
		wt_rule_eval(&r, set, set, &none);
		fuzz_check(r.verdict == WT_VERDICT_PASS, "'%s' fails against itself: observed %g, bound %g", rules[i],
			   r.observed, r.limit);
	}
}

/* ---- mutations on the JSON tree ------------------------------------------ */

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

struct node {
	json_object *parent;	/* NULL: the root */
	const char *key;	/* in an object, else NULL */
	size_t idx;		/* in an array */
};

static void collect(json_object *o, json_object *parent, const char *key, size_t idx, struct node *v, size_t *n,
		    size_t max)
{
	if (*n >= max)
		return;
	v[(*n)++] = (struct node){ parent, key, idx };
	if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, k, child)
			collect(child, o, k, 0, v, n, max);
	} else if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			collect(json_object_array_get_idx(o, i), o, NULL, i, v, n, max);
	}
}

static json_object *value_at(json_object *root, const struct node *nd)
{
	if (!nd->parent)
		return root;
	if (nd->key) {
		json_object *v = NULL;

		json_object_object_get_ex(nd->parent, nd->key, &v);
		return v;
	}
	return json_object_array_get_idx(nd->parent, nd->idx);
}

static json_object *replacement(unsigned r, json_object *root, const struct node *v, size_t n)
{
	json_object *copy = NULL;

	switch (r % 10) {
	case 0: return NULL;				/* null */
	case 1: return json_object_new_int64(-1);
	case 2: return json_object_new_double(1e300);
	case 3: return json_object_new_uint64(UINT64_MAX);
	case 4: return json_object_new_string("");
	case 5: return json_object_new_string("7:0");
	case 6: return json_object_new_array();
	case 7: return json_object_new_object();
	case 8: return json_object_new_boolean(1);
	default:	/* another value of the document, copied so no cycle forms */
		if (json_object_deep_copy(value_at(root, &v[(r / 10) % n]), &copy, NULL))
			return NULL;
		return copy;
	}
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	static struct node v[4096];
	json_tokener *tok;
	json_object *root, *with;
	const struct node *nd;
	const char *text;
	size_t n = 0, len;

	if (seed % 2 || !(tok = json_tokener_new()))
		return LLVMFuzzerMutate(data, size, max_size);
	root = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	if (!root)
		return LLVMFuzzerMutate(data, size, max_size);
	collect(root, NULL, NULL, 0, v, &n, sizeof(v) / sizeof(v[0]));
	nd = &v[(seed / 2) % n];
	with = replacement(seed / 2 / (unsigned)n, root, v, n);
	if (!nd->parent) {
		json_object_put(root);
		root = with;
	} else if (nd->key) {
		json_object_object_add(nd->parent, nd->key, with);
	} else {
		json_object_array_put_idx(nd->parent, nd->idx, with);
	}
	text = root ? json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN) : "null";
	len = strlen(text);
	if (len > max_size) {
		json_object_put(root);
		return LLVMFuzzerMutate(data, size, max_size);
	}
	memcpy(data, text, len);
	json_object_put(root);
	return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t lens[] = { 512, 24 };
	/* its own allocation, unended: the reader must keep to size */
	char *buf = malloc(size ? size : 1);
	struct wt_metric_set sets[2];
	json_object *docs[2];

	if (!buf)
		abort();
	memcpy(buf, data, size);
	for (int i = 0; i < 2; i++) {
		char *err = fuzz_msg_buf(lens[i]);

		docs[i] = wt_gate_doc_parse(buf, size, &sets[i], err, lens[i]);
		if (docs[i]) {
			fuzz_check(err[0] == 'X', "accepted but wrote a message \"%s\"", err);
		} else {
			fuzz_check(fuzz_one_line(err, lens[i]), "refused with the message \"%s\"", err);
			fuzz_check(sets[i].n == 0 && !sets[i].v && !sets[i].owned, "refused but kept samples");
		}
		free(err);
	}
	fuzz_check(!docs[0] == !docs[1], "the message buffer changed the verdict");
	if (docs[0]) {
		struct wt_metric_set once, twice;

		check_same(&sets[0], &sets[1], true);
		read_back(&sets[0], &once);
		check_same(&sets[0], &once, false);
		read_back(&once, &twice);
		check_same(&once, &twice, true);
		check_self_baseline(&sets[0]);
		wt_metrics_free(&once);
		wt_metrics_free(&twice);
	}
	for (int i = 0; i < 2; i++) {
		json_object_put(docs[i]);
		wt_metrics_free(&sets[i]);
	}
	free(buf);
	return 0;
}
