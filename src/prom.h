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

/* Writes a textfile's content to f; 0, or -1 on a write error. */
typedef int (*wt_textfile_body)(FILE *f, const void *arg);

/*
 * Replaces DIR/NAME with what body writes, through a temp file in DIR
 * (".NAME.PID.SEQ.tmp": O_EXCL|O_NOFOLLOW, so a planted symlink is skipped,
 * never followed), mode 0644 whatever the umask, fsync, rename (a symlink
 * at NAME is itself replaced), fsync of DIR. A reader sees the old file or
 * the new one, never part of one; on any error the old file stays and the
 * temp file is removed. Returns 0, or -1 with a one-line reason in err.
 */
int wt_textfile_replace(const char *dir, const char *name, wt_textfile_body body, const void *arg,
			char *err, size_t errlen);

/* wt_textfile_replace() with the Prometheus text of set (wt_prom_write). */
int wt_prom_write_textfile(const char *dir, const char *name, const struct wt_metric_set *set,
			   char *err, size_t errlen);

/*
 * Removes the temp files of DIR/NAME that an exporter killed mid-write left
 * behind: those of processes that no longer exist, and of our own pid (a
 * namesake's, from before a restart). Returns how many, -1 if DIR is
 * unreadable.
 */
int wt_textfile_remove_stale(const char *dir, const char *name);

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
