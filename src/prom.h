/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Prometheus text format 0.0.4 from the metric model, and the atomic
 * textfile writer node_exporter's textfile collector reads.
 */
#ifndef WTSTAT_PROM_H
#define WTSTAT_PROM_H

#include <stdio.h>
#include <linux/types.h>
#include "metrics.h"

/*
 * Writes every family of the set: one HELP and TYPE each, no timestamps,
 * base units. Histograms get the fixed buckets of every log2 slot but the
 * last (see README "Prometheus"). Returns 0, or -1 on a write error.
 */
int wt_prom_write(FILE *f, const struct wt_metric_set *set);

/*
 * Writes DIR/NAME through a temp file in DIR (O_EXCL|O_NOFOLLOW, 0644,
 * not ending in .prom), fsync and rename, so a reader sees the old file or
 * the new one, never part of one. Returns 0, or -1 with err set.
 */
int wt_prom_write_textfile(const char *dir, const char *name, const struct wt_metric_set *set,
			   char *err, size_t errlen);

/* Exact decimal seconds of ns: 1500 -> "0.0000015", 2000000000 -> "2". */
const char *wt_prom_seconds(char *buf, size_t len, __u64 ns);

/*
 * A label value for the text format: \\, \" and \n escaped; bytes that are
 * not valid UTF-8 (and other control characters) shown as "\xNN" (the
 * backslash itself escaped), since Prometheus refuses non-UTF-8 labels.
 */
const char *wt_prom_label_escape(char *buf, size_t len, const char *in);

/* Length of the valid UTF-8 sequence at p (avail bytes left), 0 if invalid. */
int wt_utf8_len(const unsigned char *p, size_t avail);

#endif /* WTSTAT_PROM_H */
