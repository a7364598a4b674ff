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

/* snap: kept from one interval to the next, so its memory is reused */
static int write_once(const struct wt_cli *cli, const struct wt_tracer *t, struct wt_snapshot *snap,
		      double elapsed, char *err, size_t errlen)
{
	struct wt_metric_set set;
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
	e = wt_prom_write_textfile(cli->textfile_dir, TEXTFILE_NAME, &set, err, errlen);
	wt_metrics_free(&set);
	return e;
}

int wt_cmd_export(struct wt_cli *cli)
{
	double interval = cli->interval_s > 0 ? cli->interval_s : DEFAULT_INTERVAL_S, start, next;
	bool failing = false;
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
	wt_print_attach_summary(&t, stderr);
	start = wt_now_s();
	/* the first file at once: a directory we cannot write is a setup error */
	if (write_once(cli, &t, &snap, 0, err, sizeof(err))) {
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
		/* a full disk or a vanished directory may heal: say so once, go on */
		if (write_once(cli, &t, &snap, now - start, err, sizeof(err))) {
			if (!failing)
				fprintf(stderr, "wtstat: export: %s (will retry every interval)\n", err);
			failing = true;
		} else if (failing) {
			fprintf(stderr, "wtstat: export: writing works again\n");
			failing = false;
		}
		while (next <= now)
			next += interval;
	}
	/* the last numbers before detaching, so a final scrape sees them */
	if (write_once(cli, &t, &snap, wt_now_s() - start, err, sizeof(err))) {
		wt_tracer_stop(&t);
		wt_snapshot_free(&snap);
		fprintf(stderr, "wtstat: export: final write: %s\n", err);
		return 1;
	}
	wt_tracer_stop(&t);
	wt_snapshot_free(&snap);
	return 0;
}
