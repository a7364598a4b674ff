/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Turns snapshots into the text report and JSON (schema in README.md). */
#ifndef WTSTAT_REPORT_H
#define WTSTAT_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "attach.h"
#include "snapshot.h"

#define WT_SCHEMA_VERSION 1
#define WT_VERSION "0.1.0"

struct wt_report {
	const struct wt_tracer *tracer;
	const struct wt_snapshot *snap;	/* cumulative (final) or an interval's delta */
	bool final;
	bool dry_run;
	double elapsed_s;
	double interval_s;
	unsigned top;
	const char *command;		/* 'run': the traced command, else NULL */
	int command_status;		/* its exit status, -1 if none */
};

/* Human units: 850ns, 12.3us, 4.56ms, 1.20s */
const char *wt_fmt_ns(char *buf, size_t len, double ns);

void wt_report_text(FILE *f, const struct wt_report *r);
void wt_probes_text(FILE *f, const struct wt_tracer *t);
/* One JSON document on one line (NDJSON). Returns 0 or -1 on write error. */
int wt_report_json(FILE *f, const struct wt_report *r);

/* Names shared by every output: anomaly and drop counters. */
const char *wt_counter_name(int counter);
bool wt_counter_is_anomaly(int counter);
bool wt_counter_is_drop(int counter);

#endif
