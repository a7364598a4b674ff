// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <math.h>
#include "hist.h"

__u64 wt_slot_lo(unsigned slot)
{
	return slot ? 1ULL << slot : 0;
}

__u64 wt_slot_hi(unsigned slot)
{
	return 1ULL << (slot + 1);
}

unsigned wt_slot_of(__u64 v)
{
	unsigned r = 0;

	while (v >>= 1)
		r++;
	return r < WT_HIST_SLOTS ? r : WT_HIST_SLOTS - 1;
}

double wt_hist_quantile(const struct wt_hist *h, double q, double *lo, double *hi)
{
	__u64 total = 0, cum = 0, rank;

	for (unsigned i = 0; i < WT_HIST_SLOTS; i++)
		total += h->slots[i];
	if (lo)
		*lo = 0;
	if (hi)
		*hi = 0;
	if (!total)
		return 0;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	rank = (__u64)ceil(q * (double)total);
	if (rank < 1)
		rank = 1;
	for (unsigned i = 0; i < WT_HIST_SLOTS; i++) {
		double l, u, v;

		if (!h->slots[i] || cum + h->slots[i] < rank) {
			cum += h->slots[i];
			continue;
		}
		l = (double)wt_slot_lo(i);
		u = (double)wt_slot_hi(i);
		/* the max is exact, so it caps the top slot; the last slot holds
		 * everything above its start, so there the max is its bound */
		if (i == WT_HIST_SLOTS - 1 && (double)h->max_ns + 1 > u)
			u = (double)h->max_ns + 1;
		if (h->max_ns && (double)h->max_ns + 1 < u && (double)h->max_ns >= l)
			u = (double)h->max_ns + 1;
		v = l + (u - l) * ((double)(rank - cum) / (double)h->slots[i]);
		if (v > u - 1 && u - 1 >= l)
			v = u - 1;
		if (lo)
			*lo = l;
		if (hi)
			*hi = u;
		return v;
	}
	return 0;
}

void wt_hist_add(struct wt_hist *acc, const struct wt_hist *h)
{
	for (unsigned i = 0; i < WT_HIST_SLOTS; i++)
		acc->slots[i] += h->slots[i];
	acc->count += h->count;
	acc->sum_ns += h->sum_ns;
	if (h->max_ns > acc->max_ns)
		acc->max_ns = h->max_ns;
}

static __u64 sub(__u64 a, __u64 b)
{
	return a > b ? a - b : 0;
}

void wt_hist_sub(struct wt_hist *out, const struct wt_hist *cur, const struct wt_hist *prev)
{
	static const struct wt_hist none;
	int top = -1;

	/* Runs once per row per interval: no branch inside the slot loop. */
	if (!prev)
		prev = &none;
	for (unsigned i = 0; i < WT_HIST_SLOTS; i++) {
		__u64 a = cur->slots[i], b = prev->slots[i];

		out->slots[i] = (a - b) & -(__u64)(a > b);
		top = out->slots[i] ? (int)i : top;
	}
	out->count = sub(cur->count, prev->count);
	out->sum_ns = sub(cur->sum_ns, prev->sum_ns);
	/* The kernel keeps only a running max; the interval's own max is at
	 * most that and at most the top of its highest non-empty slot. */
	out->max_ns = 0;
	if (top >= 0) {
		__u64 hi = top == WT_HIST_SLOTS - 1 ? cur->max_ns : wt_slot_hi(top) - 1;

		out->max_ns = cur->max_ns < hi ? cur->max_ns : hi;
	}
}
