// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Top-k selection (src/topn.c): the first k elements equal the first k of a
 * full sort under the same filter, ties included, and the array stays a
 * permutation of itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "topn.h"

struct item {
	unsigned score;		/* few distinct values: many ties */
	unsigned id;		/* unique: breaks ties, so the order is total */
	char pad[20];		/* an element bigger than a pointer, as rows are */
};

static int by_score(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int by_id(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static bool odd_score(const void *p)
{
	return ((const struct item *)p)->score % 2;
}

static void check(size_t n, size_t k, wt_keep_fn keep, unsigned seed)
{
	struct item *v = calloc(n + 1, sizeof(*v)), *ref = calloc(n + 1, sizeof(*v)), *all = calloc(n + 1, sizeof(*v));
	size_t m, nref = 0, want;

	assert_non_null(v);
	srand(seed);
	for (size_t i = 0; i < n; i++) {
		v[i].score = rand() % 7;
		v[i].id = (unsigned)(n - i) * 3 + 1;	/* ids against the position order */
		memset(v[i].pad, (int)i, sizeof(v[i].pad));
	}
	/* the reference: sort everything, then filter */
	memcpy(all, v, n * sizeof(*v));
	qsort(all, n, sizeof(*all), by_score);
	for (size_t i = 0; i < n; i++)
		if (!keep || keep(&all[i]))
			ref[nref++] = all[i];
	want = k < nref ? k : nref;

	m = wt_select_top(v, n, sizeof(*v), k, by_score, keep);
	assert_int_equal(m, want);
	for (size_t i = 0; i < m; i++)
		if (memcmp(&v[i], &ref[i], sizeof(*v)))
			fail_msg("n=%zu k=%zu: position %zu holds id %u, a full sort has id %u", n, k, i, v[i].id,
				 ref[i].id);
	/* nothing lost, nothing doubled */
	qsort(v, n, sizeof(*v), by_id);
	qsort(all, n, sizeof(*all), by_id);
	assert_memory_equal(v, all, n * sizeof(*v));
	free(v);
	free(ref);
	free(all);
}

static void test_top_equals_sorted_prefix(void **state)
{
	static const size_t ns[] = { 0, 1, 2, 7, 100, 1000 };

	for (size_t a = 0; a < sizeof(ns) / sizeof(ns[0]); a++) {
		size_t n = ns[a], ks[] = { 0, 1, 3, 10, n ? n - 1 : 0, n, n + 5 };

		for (size_t b = 0; b < sizeof(ks) / sizeof(ks[0]); b++) {
			check(n, ks[b], NULL, (unsigned)(n * 31 + b));
			check(n, ks[b], odd_score, (unsigned)(n * 17 + b));
		}
	}
}

/* All scores equal: the order is decided by the tie-breaker alone. */
static void test_all_tied(void **state)
{
	struct item v[50];
	size_t m;

	for (unsigned i = 0; i < 50; i++)
		v[i] = (struct item){ .score = 5, .id = 100 - i };
	m = wt_select_top(v, 50, sizeof(v[0]), 4, by_score, NULL);
	assert_int_equal(m, 4);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(v[i].id, 51 + i);
}

/* When nothing passes the filter, nothing moves. */
static void test_none_kept(void **state)
{
	struct item v[10], copy[10];

	for (unsigned i = 0; i < 10; i++)
		v[i] = (struct item){ .score = 2 * i, .id = i };
	memcpy(copy, v, sizeof(v));
	assert_int_equal(wt_select_top(v, 10, sizeof(v[0]), 3, by_score, odd_score), 0);
	assert_memory_equal(v, copy, sizeof(v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_top_equals_sorted_prefix),
		cmocka_unit_test(test_all_tied),
		cmocka_unit_test(test_none_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
