// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The Prometheus textfile (src/prom.c) from the metric model (src/metrics.c):
 * exact bucket bounds, histogram invariants, escaping, cardinality bound,
 * and the atomic write. promtool and node_exporter check real output in
 * tests/live/export_gate.sh; these pin the details without a kernel.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "testutil.h"

#include "hist.h"
#include "metrics.h"
#include "prom.h"

/* Two devices, three active files and one quiet one, some counters. */
static struct wt_mapping_row maps[4];
static struct wt_dev_row devs[2];
static struct wt_proc_row procs[1];

static void make_snapshot(struct wt_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	memset(maps, 0, sizeof(maps));
	memset(devs, 0, sizeof(devs));
	memset(procs, 0, sizeof(procs));
	s->mono_ns = 10000000000ULL;
	for (int i = 0; i < 3; i++) {
		maps[i].key.dev = wt_dev_make(7, 0);
		maps[i].key.ino = 100 + i;
		snprintf(maps[i].s.name, WT_NAME_LEN, "file-%d", i);
		snprintf(maps[i].s.parent, WT_NAME_LEN, "dir");
		hist_put_n(&maps[i].s.wait, 1000 * (i + 1), 10 - i);
		maps[i].s.wt_begun = 5;
		maps[i].s.wt_ended = 4;
		maps[i].s.inflight_max = 2 + i;
		maps[i].s.stable_ns = 1500;
	}
	maps[3].key.dev = wt_dev_make(8, 1);
	maps[3].key.ino = 7;
	strcpy(maps[3].s.name, "quiet");
	devs[0].dev = wt_dev_make(7, 0);
	hist_put_n(&devs[0].s.wait, 0, 3);		/* slot 0: no sleep */
	hist_put_n(&devs[0].s.wait, 1000, 10);		/* slot 9: [512, 1024) ns */
	hist_put_n(&devs[0].s.wait, 1ULL << 45, 1);	/* beyond the last slot */
	devs[1].dev = wt_dev_make(8, 1);
	procs[0].pid = 42;
	strcpy(procs[0].s.comm, "writer");
	hist_put_n(&procs[0].s.wait, 1000, 27);
	s->maps = maps;
	s->nmaps = 4;
	s->devs = devs;
	s->ndevs = 2;
	s->procs = procs;
	s->nprocs = 1;
	s->totals.wait = devs[0].s.wait;
	s->totals.wt_begun = 15;
	s->counters[WT_ANOM_STABLE_LEAKED] = 2;
	s->counters[WT_DROP_NO_STACK] = 1;
}

static char *render(size_t max_files)
{
	struct wt_snapshot s;
	struct wt_metric_set set;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	make_snapshot(&s);
	assert_int_equal(wt_metrics_build(&set, &s, NULL, max_files, 1.0), 0);
	assert_int_equal(wt_prom_write(f, &set), 0);
	fclose(f);
	wt_metrics_free(&set);
	return buf;
}

static int count_lines(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += !strncmp(p, prefix, strlen(prefix));
	return n;
}

static void test_seconds_exact(void **state)
{
	char b[32];

	assert_string_equal(wt_prom_seconds(b, sizeof(b), 0), "0");
	assert_string_equal(wt_prom_seconds(b, sizeof(b), 2), "0.000000002");
	assert_string_equal(wt_prom_seconds(b, sizeof(b), 1500), "0.0000015");
	assert_string_equal(wt_prom_seconds(b, sizeof(b), 1000000000ULL), "1");
	assert_string_equal(wt_prom_seconds(b, sizeof(b), 1ULL << 39), "549.755813888");
	assert_string_equal(wt_prom_seconds(b, sizeof(b), 1ULL << 40), "1099.511627776");
}

static void test_label_escape(void **state)
{
	char b[256];

	assert_string_equal(wt_prom_label_escape(b, sizeof(b), "plain.dat"), "plain.dat");
	assert_string_equal(wt_prom_label_escape(b, sizeof(b), "a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
	/* valid UTF-8 stays, invalid bytes become the text \xNN */
	assert_string_equal(wt_prom_label_escape(b, sizeof(b), "caf\xc3\xa9"), "caf\xc3\xa9");
	assert_string_equal(wt_prom_label_escape(b, sizeof(b), "x\xffy"), "x\\\\xffy");
	assert_string_equal(wt_prom_label_escape(b, sizeof(b), "cut\xc3"), "cut\\\\xc3");
	assert_string_equal(wt_prom_label_escape(b, sizeof(b), "\xc0\xaf"), "\\\\xc0\\\\xaf");	/* overlong */
	assert_string_equal(wt_prom_label_escape(b, sizeof(b), "\xed\xa0\x80"), "\\\\xed\\\\xa0\\\\x80"); /* surrogate */
	assert_string_equal(wt_prom_label_escape(b, sizeof(b), "t\tz"), "t\\\\x09z");
	/* a short buffer never ends inside an escape */
	assert_string_equal(wt_prom_label_escape(b, 5, "ab\"cd"), "ab\\\"");
	assert_string_equal(wt_prom_label_escape(b, 4, "ab\"cd"), "ab");
}

static void test_histogram_buckets(void **state)
{
	char *t = render(WT_ALL_FILES), line[128];
	const struct wt_hist *h = &devs[0].s.wait;
	__u64 cum = 0;

	/* every slot but the last has its own bound 2^(i+1) ns; the last is +Inf */
	assert_int_equal(count_lines(t, "wtstat_stable_wait_seconds_bucket{dev=\"7:0\","), WT_HIST_SLOTS);
	for (unsigned i = 0; i < WT_HIST_SLOTS - 1; i++) {
		char le[32];

		cum += h->slots[i];
		snprintf(line, sizeof(line), "wtstat_stable_wait_seconds_bucket{dev=\"7:0\",le=\"%s\"} %llu\n",
			 wt_prom_seconds(le, sizeof(le), 1ULL << (i + 1)), (unsigned long long)cum);
		assert_non_null(strstr(t, line));
	}
	assert_non_null(strstr(t, "wtstat_stable_wait_seconds_bucket{dev=\"7:0\",le=\"0.000000002\"} 3\n"));
	assert_non_null(strstr(t, "wtstat_stable_wait_seconds_bucket{dev=\"7:0\",le=\"0.000001024\"} 13\n"));
	/* the sample beyond the last slot is only in +Inf, which equals _count */
	assert_non_null(strstr(t, "wtstat_stable_wait_seconds_bucket{dev=\"7:0\",le=\"549.755813888\"} 13\n"));
	assert_non_null(strstr(t, "wtstat_stable_wait_seconds_bucket{dev=\"7:0\",le=\"+Inf\"} 14\n"));
	assert_non_null(strstr(t, "wtstat_stable_wait_seconds_count{dev=\"7:0\"} 14\n"));
	assert_non_null(strstr(t, "wtstat_stable_wait_seconds_sum{dev=\"7:0\"} 35184.372098832\n"));
	/* an empty device still has the full fixed bucket set */
	assert_int_equal(count_lines(t, "wtstat_stable_wait_seconds_bucket{dev=\"8:1\","), WT_HIST_SLOTS);
	assert_non_null(strstr(t, "wtstat_stable_wait_max_seconds{dev=\"7:0\"} 35184.372088832\n"));
	free(t);
}

static void test_families_well_formed(void **state)
{
	char *t = render(WT_ALL_FILES), *copy = strdup(t), *save = NULL, *last = NULL;
	char seen[64][96];
	int nseen = 0;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char fam[96], type[16];

		last = l;
		if (sscanf(l, "# TYPE %95s %15s", fam, type) == 2) {
			for (int i = 0; i < nseen; i++)
				assert_string_not_equal(seen[i], fam);	/* one TYPE per family */
			strcpy(seen[nseen++], fam);
			assert_int_equal(strncmp(fam, "wtstat_", 7), 0);
			if (!strcmp(type, "counter"))	/* counters end in _total */
				assert_string_equal(fam + strlen(fam) - 6, "_total");
			assert_null(strstr(fam, "_ms"));
			assert_null(strstr(fam, "_ns"));
			assert_null(strstr(fam, "_us"));
			continue;
		}
		if (l[0] == '#')
			continue;
		/* NAME[{...}] VALUE: one space outside the labels, no timestamp */
		{
			char *brace = strrchr(l, '}'), *sp = strchr(brace ? brace : l, ' ');

			assert_non_null(sp);
			assert_null(strchr(sp + 1, ' '));
		}
	}
	assert_true(nseen > 15);
	assert_non_null(last);
	assert_int_equal(strncmp(last, "wtstat_mappings_tracked 4", 25), 0);	/* always the last line */
	assert_non_null(strstr(t, "wtstat_anomalies_total{kind=\"stable_leaked\"} 2\n"));
	assert_non_null(strstr(t, "wtstat_dropped_events_total{reason=\"stack_unreadable\"} 1\n"));
	assert_non_null(strstr(t, "wtstat_writethroughs_begun_total 15\n"));
	assert_non_null(strstr(t, "wtstat_file_stable_mode_seconds_total{dev=\"7:0\",ino=\"100\",generation=\"0\",file=\"dir/file-0\"} 0.0000015\n"));
	/* processes are never exported */
	assert_null(strstr(t, "writer"));
	free(copy);
	free(t);
}

static void test_per_file_bound(void **state)
{
	char *t = render(2);

	/* the first two active files in snapshot order, and no quiet one */
	assert_int_equal(count_lines(t, "wtstat_file_stable_wait_seconds_count{"), 2);
	assert_int_equal(count_lines(t, "wtstat_file_writethroughs_begun_total{"), 2);
	assert_null(strstr(t, "file-2"));
	free(t);
	t = render(0);
	assert_null(strstr(t, "wtstat_file_"));
	free(t);
	t = render(10);
	assert_int_equal(count_lines(t, "wtstat_file_stable_wait_seconds_count{"), 3);
	assert_null(strstr(t, "quiet"));
	free(t);
	/* every mapping, as the gate asks: quiet ones too */
	t = render(WT_ALL_FILES);
	assert_int_equal(count_lines(t, "wtstat_file_stable_wait_seconds_count{"), 4);
	free(t);
}

static void test_textfile_atomic(void **state)
{
	char dir[] = "/tmp/wtstat-unit-prom.XXXXXX", path[64], err[256];
	struct wt_snapshot s;
	struct wt_metric_set set;
	struct stat st;
	struct dirent *e;
	DIR *d;
	int n = 0;

	assert_non_null(mkdtemp(dir));
	make_snapshot(&s);
	assert_int_equal(wt_metrics_build(&set, &s, NULL, 5, 0), 0);
	umask(077);	/* the file is 0644 whatever the umask */
	assert_int_equal(wt_prom_write_textfile(dir, "wtstat.prom", &set, err, sizeof(err)), 0);
	assert_int_equal(wt_prom_write_textfile(dir, "wtstat.prom", &set, err, sizeof(err)), 0);
	umask(022);
	snprintf(path, sizeof(path), "%s/wtstat.prom", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	d = opendir(dir);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")))
			n++;
	closedir(d);
	assert_int_equal(n, 1);		/* no temp file left */
	assert_int_not_equal(wt_prom_write_textfile("/nonexistent-wtstat", "wtstat.prom", &set, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "/nonexistent-wtstat"));
	wt_metrics_free(&set);
	unlink(path);
	rmdir(dir);
}

/*
 * Totals summed over every mapping, quiet ones and ones without their own
 * series included: stable time (closed plus still open) and transitions.
 */
static void test_totals_over_all_mappings(void **state)
{
	struct wt_snapshot s;
	char *t;
	FILE *f;
	size_t len = 0;
	struct wt_metric_set set;

	make_snapshot(&s);
	maps[0].s.stable_sets = 3;
	maps[1].s.stable_clears = 2;
	maps[3].s.stable_sets = 4;			/* quiet: no series of its own */
	maps[3].s.stable_since_ns = s.mono_ns - 500;	/* open: 500 ns so far */
	f = open_memstream(&t, &len);
	assert_int_equal(wt_metrics_build(&set, &s, NULL, 1, 1.0), 0);
	assert_int_equal(wt_prom_write(f, &set), 0);
	fclose(f);
	wt_metrics_free(&set);
	/* 3 x 1500 closed + 500 open */
	assert_non_null(strstr(t, "\nwtstat_stable_mode_seconds_total 0.000005\n"));
	assert_non_null(strstr(t, "\nwtstat_stable_transitions_total{direction=\"set\"} 7\n"));
	assert_non_null(strstr(t, "\nwtstat_stable_transitions_total{direction=\"clear\"} 2\n"));
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seconds_exact),
		cmocka_unit_test(test_totals_over_all_mappings),
		cmocka_unit_test(test_label_escape),
		cmocka_unit_test(test_histogram_buckets),
		cmocka_unit_test(test_families_well_formed),
		cmocka_unit_test(test_per_file_bound),
		cmocka_unit_test(test_textfile_atomic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
