// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Gate documents read back (src/gate_doc.c), as --baseline and --input
 * read them: what is accepted, and that every refusal is one line with
 * nothing kept, including documents edited by hand with null values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <json-c/json.h>

#include "gate_doc.h"
#include "metrics.h"

#define HEAD "{\"schema_version\":1,\"kind\":\"gate\",\"metrics\":"

static void expect_refused(const char *text, const char *needle)
{
	struct wt_metric_set set;
	char err[256] = "";
	json_object *doc = wt_gate_doc_parse(text, strlen(text), &set, err, sizeof(err));

	if (doc)
		fail_msg("accepted: %s", text);
	if (!strstr(err, needle) || strchr(err, '\n'))
		fail_msg("%s: message \"%s\", expected one line with \"%s\"", text, err, needle);
	assert_int_equal(set.n, 0);
	assert_null(set.v);
}

static void test_accepted(void **state)
{
	static const char text[] = HEAD "[{\"name\":\"anomalies\",\"scope\":\"total\",\"labels\":{\"kind\":"
				   "\"stable_leaked\"},\"value\":2},{\"name\":\"from_the_future\"}]}\n\n";
	struct wt_metric_set set;
	char err[256] = "";
	json_object *doc = wt_gate_doc_parse(text, strlen(text), &set, err, sizeof(err));

	if (!doc)
		fail_msg("refused: %s", err);
	assert_int_equal(set.n, 1);
	assert_int_equal(set.v[0].value, 2);
	json_object_put(doc);
	wt_metrics_free(&set);
}

static void test_refused(void **state)
{
	expect_refused("", "empty or cut short");
	expect_refused(HEAD "[", "empty or cut short");
	expect_refused(HEAD "[]} x", "character 49: text after the document");
	expect_refused("{\"schema_version\":2,\"kind\":\"gate\",\"metrics\":[]}", "schema_version 1");
	expect_refused("{\"schema_version\":1,\"kind\":\"final\",\"metrics\":[]}", "not a gate document");
	expect_refused("{\"schema_version\":1,\"kind\":\"gate\"}", "no \"metrics\"");
	expect_refused(HEAD "{}}", "not an array");
	expect_refused(HEAD "[{\"name\":\"other_wait\",\"scope\":\"device\",\"labels\":{\"dev\":\"sda\"}}]}",
		       "labels.dev is not MAJOR:MINOR");
}

/* null where a string belongs: refused or skipped, never a crash (fuzz_baseline) */
static void test_null_values(void **state)
{
	static const char no_name[] = HEAD "[{\"name\":null}]}";
	static const char no_member[] = HEAD "[{\"name\":\"anomalies\",\"scope\":\"total\",\"labels\":{\"kind\":null}}]}";
	struct wt_metric_set set;
	char err[256];
	json_object *doc;

	expect_refused("{\"schema_version\":1,\"kind\":null,\"metrics\":[]}", "not a gate document");
	expect_refused(HEAD "[{\"name\":\"stable_wait\",\"scope\":null,\"labels\":{}}]}", "bad scope or labels");
	expect_refused(HEAD "[{\"name\":\"other_wait\",\"scope\":\"device\",\"labels\":{\"dev\":null}}]}",
		       "labels.dev is not MAJOR:MINOR");
	/* an unknown metric or member is skipped, as a newer version's would be */
	doc = wt_gate_doc_parse(no_name, strlen(no_name), &set, err, sizeof(err));
	assert_non_null(doc);
	assert_int_equal(set.n, 0);
	json_object_put(doc);
	doc = wt_gate_doc_parse(no_member, strlen(no_member), &set, err, sizeof(err));
	assert_non_null(doc);
	assert_int_equal(set.n, 0);
	json_object_put(doc);
	wt_metrics_free(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_null_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
