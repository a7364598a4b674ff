// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Top-k selection for the reports: an interval shows ten files out of
 * maybe 100,000, so a bounded heap of k candidates replaces a sort of every
 * row (and the sort's copy of the whole array).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "topn.h"

struct heap {
	const char *base;
	size_t size;
	wt_cmp_fn cmp;
	size_t *idx;	/* a max-heap: idx[0] is the last in order of those kept */
	size_t n;
};

static int rank(const struct heap *h, size_t a, size_t b)
{
	return h->cmp(h->base + a * h->size, h->base + b * h->size);
}

static void sift_down(struct heap *h, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i, t;

		if (l < h->n && rank(h, h->idx[l], h->idx[m]) > 0)
			m = l;
		if (r < h->n && rank(h, h->idx[r], h->idx[m]) > 0)
			m = r;
		if (m == i)
			return;
		t = h->idx[i];
		h->idx[i] = h->idx[m];
		h->idx[m] = t;
		i = m;
	}
}

static void sift_up(struct heap *h, size_t i)
{
	while (i && rank(h, h->idx[(i - 1) / 2], h->idx[i]) < 0) {
		size_t p = (i - 1) / 2, t = h->idx[p];

		h->idx[p] = h->idx[i];
		h->idx[i] = t;
		i = p;
	}
}

static int by_rank(const void *a, const void *b, void *arg)
{
	return rank(arg, *(const size_t *)a, *(const size_t *)b);
}

static int by_position(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

size_t wt_select_top(void *base, size_t n, size_t size, size_t k, wt_cmp_fn cmp, wt_keep_fn keep)
{
	struct heap h = { .base = base, .size = size, .cmp = cmp };
	char *b = base, *front;
	size_t *pos, nholes = 0, ndisp = 0, *holes, *disp;
	unsigned char *taken;

	if (k > n)
		k = n;
	if (!k)
		return 0;
	h.idx = malloc(k * sizeof(*h.idx));
	if (!h.idx)
		return (size_t)-1;
	for (size_t i = 0; i < n; i++) {
		if (keep && !keep(b + i * size))
			continue;
		if (h.n < k) {
			h.idx[h.n++] = i;
			sift_up(&h, h.n - 1);
		} else if (rank(&h, i, h.idx[0]) < 0) {
			h.idx[0] = i;
			sift_down(&h, 0);
		}
	}
	if (!h.n) {	/* none accepted: nothing moves */
		free(h.idx);
		return 0;
	}
	/* the chosen, in order; then move them to the front as one permutation */
	qsort_r(h.idx, h.n, sizeof(*h.idx), by_rank, &h);
	front = malloc(h.n * size);
	pos = malloc(3 * h.n * sizeof(*pos));
	taken = calloc(h.n, 1);
	if (!front || !pos || !taken) {
		free(front);
		free(pos);
		free(taken);
		free(h.idx);
		return (size_t)-1;
	}
	holes = pos + h.n;
	disp = holes + h.n;
	for (size_t j = 0; j < h.n; j++)
		memcpy(front + j * size, b + h.idx[j] * size, size);
	memcpy(pos, h.idx, h.n * sizeof(*pos));
	qsort(pos, h.n, sizeof(*pos), by_position);
	for (size_t j = 0; j < h.n; j++) {
		if (pos[j] < h.n)
			taken[pos[j]] = 1;
		else
			holes[nholes++] = pos[j];	/* vacated: a displaced row goes there */
	}
	for (size_t j = 0; j < h.n; j++)
		if (!taken[j])
			disp[ndisp++] = j;
	for (size_t j = 0; j < ndisp; j++)	/* ndisp == nholes */
		memcpy(b + holes[j] * size, b + disp[j] * size, size);
	memcpy(b, front, h.n * size);
	free(front);
	free(pos);
	free(taken);
	free(h.idx);
	return h.n;
}
