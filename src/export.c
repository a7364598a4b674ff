// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * wtstat export: a daemon that rewrites DIR/wtstat.prom every interval for
 * node_exporter's textfile collector. Values are cumulative since the
 * exporter started (counters only grow; a restart is a counter reset,
 * which Prometheus handles). It runs in the foreground, as systemd wants
 * (scripts/wtstat-export.service); SIGINT and SIGTERM write a last file,
 * detach and exit 0.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <bpf/libbpf.h>
#include "metrics.h"
#include "prom.h"
#include "session.h"
#include "snapshot.h"
#include "wtstat.skel.h"

#define TEXTFILE_NAME "wtstat.prom"
#define DEFAULT_INTERVAL_S 15.0

/* What the exporter says about itself, beside the model's families. */
struct export_health {
	unsigned long long write_failures;
};

struct export_body {
	const struct wt_metric_set *set;
	const struct export_health *health;
};

/* First, so that a whole file still ends with the model's last family. */
static int write_body(FILE *f, const void *arg)
{
	const struct export_body *b = arg;

	fprintf(f, "# HELP wtstat_export_write_failures_total Intervals whose file could not be "
		   "written (the previous file was kept), since the exporter started.\n"
		   "# TYPE wtstat_export_write_failures_total counter\n"
		   "wtstat_export_write_failures_total %llu\n", b->health->write_failures);
	return wt_prom_write(f, b->set);
}

/* snap: kept from one interval to the next, so its memory is reused */
static int write_once(const struct wt_cli *cli, struct wt_tracer *t, struct wt_snapshot *snap,
		      double elapsed, const struct export_health *health, char *err, size_t errlen)
{
	struct wt_metric_set set;
	struct export_body body = { &set, health };
	int e = wt_tracer_snapshot_into(t, snap);

	if (e) {
		snprintf(err, errlen, "reading BPF maps failed: %s", strerror(-e));
		return -1;
	}
	/* the top files by wait time get series: only they need ordering */
	if (wt_snapshot_sort_top(snap, cli->per_file, true) ||
	    wt_metrics_build(&set, snap, t, cli->per_file, elapsed)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	e = wt_textfile_replace(cli->textfile_dir, TEXTFILE_NAME, write_body, &body, err, errlen);
	wt_metrics_free(&set);
	return e;
}

int wt_cmd_export(struct wt_cli *cli)
{
	double interval = cli->interval_s > 0 ? cli->interval_s : DEFAULT_INTERVAL_S, start, next;
	struct export_health health = { 0 };
	unsigned long long failed_since = 0;
	struct wt_snapshot snap = {};
	struct wt_tracer t;
	struct stat st;
	char err[512];

	errno = 0;
	if (stat(cli->textfile_dir, &st) || !S_ISDIR(st.st_mode)) {
		const char *why = errno ? strerror(errno) : "not a directory";

		fprintf(stderr, "wtstat: export: --textfile-dir %s: %s: give an existing directory\n",
			cli->textfile_dir, why);
		return WT_EXIT_USAGE;
	}
	if (wt_tracer_start(&t, &cli->cfg, err, sizeof(err))) {
		fprintf(stderr, "wtstat: %s\n", err);
		return WT_EXIT_USAGE;
	}
	wt_announce_and_drop_privs(&t, stderr);
	/* an exporter killed mid-write leaves its temp file: not ours to keep */
	if (wt_textfile_remove_stale(cli->textfile_dir, TEXTFILE_NAME) > 0)
		fprintf(stderr, "wtstat: export: removed temp files a stopped exporter left in %s\n",
			cli->textfile_dir);
	start = wt_now_s();
	/* the first file at once: a directory we cannot write is a setup error */
	if (write_once(cli, &t, &snap, 0, &health, err, sizeof(err))) {
		wt_tracer_stop(&t);
		wt_snapshot_free(&snap);
		fprintf(stderr, "wtstat: export: %s\n", err);
		return WT_EXIT_USAGE;
	}
	fprintf(stderr, "wtstat: export: writing %s/%s every %gs (%u files with own series)\n",
		cli->textfile_dir, TEXTFILE_NAME, interval, cli->per_file);
	next = start + interval;
	while (!wt_exiting) {
		double now = wt_now_s();
		struct timespec nap = { 0, 200 * 1000 * 1000 };

		if (now < next) {
			if (next - now < 0.2)
				nap.tv_nsec = (long)((next - now) * 1e9);
			nanosleep(&nap, NULL);	/* a signal cuts it short */
			continue;
		}
		/* A full disk or a vanished directory may heal: the last good file
		 * stays, one line when writing starts failing and one when it
		 * works again; the file then counts the failed intervals. */
		if (write_once(cli, &t, &snap, now - start, &health, err, sizeof(err))) {
			if (!failed_since++)
				fprintf(stderr, "wtstat: export: %s (keeping the last file, "
					"retrying every interval)\n", err);
			health.write_failures++;
		} else if (failed_since) {
			fprintf(stderr, "wtstat: export: writing works again after %llu failed intervals\n",
				failed_since);
			failed_since = 0;
		}
		while (next <= now)
			next += interval;
	}
	/* the last numbers before detaching, so a final scrape sees them */
	if (write_once(cli, &t, &snap, wt_now_s() - start, &health, err, sizeof(err))) {
		wt_tracer_stop(&t);
		wt_snapshot_free(&snap);
		fprintf(stderr, "wtstat: export: final write: %s\n", err);
		return 1;
	}
	wt_tracer_stop(&t);
	wt_snapshot_free(&snap);
	return 0;
}
