/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* log2 latency histograms: slot arithmetic, percentiles with error bounds. */
#ifndef WTSTAT_HIST_H
#define WTSTAT_HIST_H

#include <linux/types.h>
#include "wtstat.h"

/* Smallest value slot i holds (0 for slot 0) and the bound above it. */
__u64 wt_slot_lo(unsigned slot);
__u64 wt_slot_hi(unsigned slot);
unsigned wt_slot_of(__u64 v);

/*
 * Estimate of quantile q (0..1) by linear interpolation inside the log2 slot
 * holding it. The true value lies in [*lo, *hi): at most a factor of two
 * either way, narrowed by the recorded max. Returns 0 for an empty histogram.
 */
double wt_hist_quantile(const struct wt_hist *h, double q, double *lo, double *hi);

void wt_hist_add(struct wt_hist *acc, const struct wt_hist *h);
/* out = cur - prev, slot by slot; out->max_ns is an upper bound (see hist.c). */
void wt_hist_sub(struct wt_hist *out, const struct wt_hist *cur, const struct wt_hist *prev);

#endif
