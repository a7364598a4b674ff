/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The first k rows of an order without sorting all of them. */
#ifndef WTSTAT_TOPN_H
#define WTSTAT_TOPN_H

#include <stdbool.h>
#include <stddef.h>

typedef int (*wt_cmp_fn)(const void *a, const void *b);
typedef bool (*wt_keep_fn)(const void *row);

/*
 * Moves the first k elements of base[0..n) in cmp order, among those keep
 * accepts (every element when keep is NULL), to base[0..m) in that order,
 * and returns m (k, or fewer when fewer are accepted). The other elements
 * follow in no particular order: base stays a permutation of itself. With
 * a total order (cmp never 0 for two elements), base[0..m) is exactly what
 * a full sort and the same filter would put first, at O(n log k)
 * comparisons and O(k) moves instead of a sort of every element.
 * Returns (size_t)-1 when out of memory (base unchanged).
 */
size_t wt_select_top(void *base, size_t n, size_t size, size_t k, wt_cmp_fn cmp, wt_keep_fn keep);

#endif
