// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cycle: the user-space side of wtstat under load.
 *
 *   cycle [--mappings N] [--procs N] [--reps R] [--top N] [--prom-files N|all] [--serial]
 *     Creates wtstat's maps (the real BPF object, every program left
 *     unloaded) with room for N mappings, as --max-mappings N would, fills
 *     them with N synthetic files, then times R interval cycles exactly as
 *     src/session.c runs them: read every map, delta against the previous
 *     snapshot, sort, render the text report and the JSON document (and
 *     the Prometheus file as `wtstat export` writes it when src/prom.h
 *     exists: the first N files by wait time get their own series, N = 5 as
 *     export's --per-file default, or every active file with "all"). Between cycles every
 *     entry's counters move (outside the timed part), so each delta is a
 *     real one. Prints one JSON object: per-cycle and per-stage times, RSS,
 *     and the BPF map memory. The loop reads and takes the delta in one
 *     call (wt_snapshot_next), so "read" holds both; --serial makes the
 *     same two steps as two calls, to time them apart. "total_less_runq" (wall time
 *     less the thread's run-queue wait) is the cycle's own time however
 *     busy the machine is.
 *
 *   cycle inject --pid PID [--mappings N] [--period S]
 *     Adds N synthetic mappings to the per-file table of a running wtstat
 *     (its maps found through /proc/PID/fdinfo, claimed as its BPF
 *     programs claim rows), then every S seconds (default 1) moves
 *     every one of them, so each of its intervals sees N live mappings.
 *     Runs until SIGINT or SIGTERM. Prints "injected N" when they are in.
 */
#include <errno.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "report.h"
#include "rowtable.h"
#include "snapshot.h"
#include "wtstat.skel.h"
#ifdef HAVE_PROM
#include "metrics.h"
#include "prom.h"
#endif

#define BENCH_DEV ((253u << 20) | 99u)	/* a device no real file sits on */

static volatile sig_atomic_t stop;
static char promdir[] = "/tmp/wtstat-bench-prom.XXXXXX";
static int promdir_made;

/* whatever way cycle ends, it leaves no directory behind */
static void remove_promdir(void)
{
	char path[sizeof(promdir) + 32];

	if (!promdir_made)
		return;
	snprintf(path, sizeof(path), "%s/wtstat.prom", promdir);
	unlink(path);
	rmdir(promdir);
}

static void on_signal(int sig)
{
	stop = 1;
}

static int quiet(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* "VmRSS:" or "VmHWM:" of this process, in KiB */
static long status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = atol(line + strlen(key));
	fclose(f);
	return v;
}

/* The "memlock:" line of a map fd's fdinfo: what `bpftool map show` calls bytes_memlock. */
static long long fd_memlock(int fd)
{
	char path[64], line[256];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "memlock:", 8))
			v = atoll(line + 8);
	fclose(f);
	return v;
}

static void fill_hist(struct wt_hist *h, unsigned seed, unsigned round)
{
	memset(h, 0, sizeof(*h));
	for (unsigned s = 10; s < 24; s++) {
		__u64 c = ((seed * 2654435761u) >> (s % 13)) % 50 + round;

		h->slots[s] = c;
		h->count += c;
		h->sum_ns += c * (3ULL << (s - 1));
		h->max_ns = (1ULL << (s + 1)) - 1;
	}
}

static void make_mapping(struct wt_mapping_key *k, struct wt_mapping_stats *v, unsigned i, unsigned round)
{
	memset(k, 0, sizeof(*k));
	k->dev = BENCH_DEV;
	k->ino = 1000000 + i;
	memset(v, 0, sizeof(*v));
	fill_hist(&v->wait, i, round);
	v->other_waits = i % 7 + round;
	v->waits_during_wt = i % 3;
	v->kernel_wt_count = -1;
	v->stable_since_ns = 1;
	v->first_seen_ns = 1;
	v->last_seen_ns = 2 + round;
	snprintf(v->name, sizeof(v->name), "bench-file-%07u.dat", i);
	snprintf(v->parent, sizeof(v->parent), "bench-dir-%03u", i % 512);
}

/*
 * Writes N mappings (round r of their counters) into the table's slots
 * from base on. A row is shown once first_seen_ns is set: set last, as
 * the BPF side does, so a wtstat reading meanwhile never sees half a row.
 */
static int put_mappings(struct wt_row_table *t, __u32 base, unsigned n, unsigned round)
{
	int e = wt_row_table_cover(t, base + n);

	if (e)
		return e;
	for (unsigned i = 0; i < n && base + i < t->max; i++) {
		struct wt_mapping_row row, *r = &t->rows[base + i];

		make_mapping(&row.key, &row.s, i, round);
		row.s.first_seen_ns = r->s.first_seen_ns;
		*r = row;
		__atomic_store_n(&r->s.first_seen_ns, 1, __ATOMIC_RELEASE);
	}
	return 0;
}

static int put_procs(int fd, unsigned n, unsigned round)
{
	for (unsigned i = 0; i < n; i++) {
		struct wt_proc_stats p = {};
		__u32 pid = 100000 + i;

		fill_hist(&p.wait, i, round);
		snprintf(p.comm, sizeof(p.comm), "bench-%u", i);
		if (bpf_map_update_elem(fd, &pid, &p, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int put_devs(int fd, unsigned n, unsigned round)
{
	for (unsigned i = 0; i < n; i++) {
		struct wt_dev_stats d = {};
		__u32 dev = BENCH_DEV + i;

		fill_hist(&d.wait, i, round);
		d.other_waits = round;
		if (bpf_map_update_elem(fd, &dev, &d, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* {"median":..,"min":..,"max":..} of v[0..n) (sorts v) */
static void print_stat(const char *key, double *v, int n, const char *sep)
{
	qsort(v, n, sizeof(*v), cmp_double);
	printf("\"%s\":{\"median\":%.3f,\"min\":%.3f,\"max\":%.3f}%s", key,
	       n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[0], v[n - 1], sep);
}

/*
 * ms this thread spent runnable while other tasks had the CPUs (its
 * schedstat): on a shared machine, what other load adds to a cycle. With
 * --serial the cycle is this thread alone, so its wall time less this is
 * what the cycle takes on a machine of its own (its I/O waits stay in).
 */
static double runq_ms(void)
{
	FILE *f = fopen("/proc/thread-self/schedstat", "re");
	unsigned long long run, wait = 0;

	if (f) {
		if (fscanf(f, "%llu %llu", &run, &wait) != 2)
			wait = 0;
		fclose(f);
	}
	return wait / 1e6;
}

enum { ST_READ, ST_DELTA, ST_SORT, ST_TEXT, ST_JSON, ST_PROM, ST_TOTAL, ST_LESS_RUNQ, ST_COUNT };
static const char *const stage_names[ST_COUNT] = { "read", "delta", "sort", "text", "json", "prom", "total",
						   "total_less_runq" };

static int cmd_cycle(unsigned nmaps, unsigned nprocs, int reps, unsigned top, long prom_files, int serial)
{
	struct wt_config cfg = {};
	struct wt_tracer t;
	struct wtstat_bpf *skel;
	struct bpf_program *p;
	struct wt_map_fds fds;
	struct wt_snapshot snaps[2] = {}, delta = {}, *prev = &snaps[0], *cur = &snaps[1], *tmp;
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);
	double *st[ST_COUNT];
	char err[256];
	long rss_base, rss_filled, rss_end;
	long long memlock_maps, memlock_all = 0;
	FILE *devnull = fopen("/dev/null", "we");
	int e;

	if (!devnull || !mkdtemp(promdir))
		return 1;
	promdir_made = 1;
	atexit(remove_promdir);
	for (int i = 0; i < ST_COUNT; i++)
		st[i] = calloc(reps, sizeof(double));
	/* the planner's view of this kernel, as the reports print it */
	if (wt_tracer_plan(&t, &cfg, err, sizeof(err)))
		fprintf(stderr, "cycle: plan: %s (reports print an empty plan)\n", err);
	rss_base = status_kb("VmRSS:");
	skel = wtstat_bpf__open();
	if (!skel) {
		fprintf(stderr, "cycle: cannot open wtstat's BPF object: %s\n", strerror(errno));
		return 1;
	}
	wt_row_table_size(skel, nmaps);
	if (nprocs > 4096)
		bpf_map__set_max_entries(skel->maps.procs, nprocs);
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, false);
	e = wtstat_bpf__load(skel);
	if (e) {
		fprintf(stderr, "cycle: loading wtstat's maps failed: %s\n", strerror(-e));
		return 1;
	}
	t.skel = skel;
	if ((e = wt_row_table_map_skel(&t.table, skel, true))) {
		fprintf(stderr, "cycle: mapping the per-file table failed: %s\n", strerror(-e));
		return 1;
	}
	*t.table.claims = nmaps;
	if ((e = put_mappings(&t.table, 0, nmaps, 0))) {
		fprintf(stderr, "cycle: filling the per-file table failed: %s\n", strerror(-e));
		return 1;
	}
	fds.table = &t.table;
	fds.procs = bpf_map__fd(skel->maps.procs);
	fds.devs = bpf_map__fd(skel->maps.devs);
	fds.totals = bpf_map__fd(skel->maps.totals);
	fds.counters = bpf_map__fd(skel->maps.counters);
	if ((e = put_procs(fds.procs, nprocs, 0)) ||
	    (e = put_devs(fds.devs, 8, 0))) {
		fprintf(stderr, "cycle: filling the maps failed: %s\n", strerror(-e));
		return 1;
	}
	{
		struct bpf_map *m;

		bpf_object__for_each_map(m, skel->obj)
			if (bpf_map__fd(m) >= 0 && fd_memlock(bpf_map__fd(m)) > 0)
				memlock_all += fd_memlock(bpf_map__fd(m));
	}
	/* the table is its rows and the key -> slot hash beside them */
	memlock_maps = fd_memlock(bpf_map__fd(skel->maps.mapping_rows)) +
		       fd_memlock(bpf_map__fd(skel->maps.mapping_slots));
	bpf_obj_get_info_by_fd(bpf_map__fd(skel->maps.mapping_rows), &info, &ilen);
	rss_filled = status_kb("VmRSS:");

	if ((e = wt_snapshot_read_into(prev, &fds, 0))) {
		fprintf(stderr, "cycle: reading the maps failed: %s\n", strerror(-e));
		return 1;
	}
	/* r = -1: a first cycle faults in the buffers every later one reuses: untimed */
	for (int r = -1; r < reps; r++) {
		struct wt_report rep = { .tracer = &t, .snap = &delta, .interval_s = 1.0,
					 .elapsed_s = r + 2.0, .top = top };
		double t0, t1, t2, t3, t4, t5, t6, q0, q6;

		/* the kernel side of an interval: every mapping moves */
		if ((e = put_mappings(&t.table, 0, nmaps, r + 2)) ||
		    (e = put_procs(fds.procs, nprocs, r + 2)) || (e = put_devs(fds.devs, 8, r + 2))) {
			fprintf(stderr, "cycle: updating the maps failed: %s\n", strerror(-e));
			return 1;
		}
		q0 = runq_ms();
		t0 = now_ms();
		if (serial) {
			e = wt_snapshot_read_into(cur, &fds, 0);
			t1 = now_ms();
			if (!e)
				e = wt_snapshot_delta_into(&delta, cur, prev);
		} else {
			/* as the loop runs it: one figure for both */
			e = wt_snapshot_next(cur, prev, &delta, &fds, 0, false);
			t1 = now_ms();
		}
		t2 = now_ms();

		if (!e)
			e = wt_snapshot_sort_top(&delta, top, true);
		if (e) {
			fprintf(stderr, "cycle: snapshot failed: %s\n", strerror(-e));
			return 1;
		}
		t3 = now_ms();
		wt_report_text(devnull, &rep);
		fflush(devnull);
		t4 = now_ms();
		wt_report_json(devnull, &rep);
		fflush(devnull);
		t5 = now_ms();
#ifdef HAVE_PROM
		{
			/* the textfile holds cumulative counters: built from cur, in report order */
			struct wt_metric_set set;

			if (prom_files)
				e = wt_snapshot_sort_top(cur, prom_files, true);
			else
				wt_snapshot_sort(cur);
			if (e || wt_metrics_build(&set, cur, &t, prom_files ? (size_t)prom_files : WT_ALL_FILES, r + 2.0) ||
			    wt_prom_write_textfile(promdir, "wtstat.prom", &set, err, sizeof(err))) {
				fprintf(stderr, "cycle: Prometheus file: %s\n", err);
				return 1;
			}
			wt_metrics_free(&set);
		}
#endif
		tmp = prev;
		prev = cur;
		cur = tmp;
		t6 = now_ms();
		q6 = runq_ms();
		if (r < 0)
			continue;
		st[ST_READ][r] = t1 - t0;
		st[ST_DELTA][r] = t2 - t1;
		st[ST_SORT][r] = t3 - t2;
		st[ST_TEXT][r] = t4 - t3;
		st[ST_JSON][r] = t5 - t4;
		st[ST_PROM][r] = t6 - t5;
		st[ST_TOTAL][r] = t6 - t0;
		st[ST_LESS_RUNQ][r] = t6 - t0 - (q6 - q0);
	}
	rss_end = status_kb("VmRSS:");
	printf("{\"mappings\":%u,\"procs\":%u,\"reps\":%d,\"top\":%u,\"serial\":%s,", nmaps, nprocs, reps, top,
	       serial ? "true" : "false");
	printf("\"cycle_ms\":{");
	for (int i = 0; i < ST_COUNT; i++)
		print_stat(stage_names[i], st[i], reps, i + 1 < ST_COUNT ? "," : "");
	printf("},");
#ifdef HAVE_PROM
	{
		char path[300];
		FILE *f;
		long sz = -1;

		snprintf(path, sizeof(path), "%s/wtstat.prom", promdir);
		if ((f = fopen(path, "re"))) {
			fseek(f, 0, SEEK_END);
			sz = ftell(f);
			fclose(f);
		}
		unlink(path);
		printf("\"prom\":{\"per_file\":%ld,\"bytes\":%ld},", prom_files ? prom_files : -1L, sz);
	}
#else
	printf("\"prom\":\"TODO: not measured, src/prom.h did not exist when this was built\",");
#endif
	printf("\"rss_kb\":{\"base\":%ld,\"maps_filled\":%ld,\"after_cycles\":%ld,\"peak\":%ld},", rss_base,
	       rss_filled, rss_end, status_kb("VmHWM:"));
	printf("\"row_bytes\":%zu,\"key_bytes\":%zu,\"value_bytes\":%zu,", sizeof(struct wt_mapping_row),
	       sizeof(struct wt_mapping_key), sizeof(struct wt_mapping_stats));
	printf("\"map\":{\"max_entries\":%u,\"key_size\":%u,\"value_size\":%u,\"bytes_memlock\":%lld,"
	       "\"all_maps_bytes_memlock\":%lld}}\n",
	       info.max_entries, (unsigned)sizeof(struct wt_mapping_key), info.value_size, memlock_maps, memlock_all);
	wt_snapshot_free(&snaps[0]);
	wt_snapshot_free(&snaps[1]);
	wt_snapshot_free(&delta);
	wt_row_table_unmap(&t.table);
	wtstat_bpf__destroy(skel);
	return 0;
}

/* fd of the map called @name among those PID holds (by its fdinfo map_id) */
static int find_map(int pid, const char *name)
{
	char dirp[64];
	DIR *d;
	struct dirent *de;
	int found = -1;

	snprintf(dirp, sizeof(dirp), "/proc/%d/fdinfo", pid);
	d = opendir(dirp);
	if (!d)
		return -1;
	while (found < 0 && (de = readdir(d))) {
		char path[300], line[256];
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dirp, de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			struct bpf_map_info info = {};
			__u32 len = sizeof(info);
			int fd;

			if (strncmp(line, "map_id:", 7))
				continue;
			fd = bpf_map_get_fd_by_id(atoi(line + 7));
			if (fd < 0)
				break;
			if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, name))
				found = fd;
			else
				close(fd);
			break;
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

static int cmd_inject(int pid, unsigned n, double period)
{
	int rows_fd = find_map(pid, "mapping_rows"), claims_fd = find_map(pid, "mapping_claims");
	struct timespec nap = { (time_t)period, (long)((period - (time_t)period) * 1e9) };
	struct wt_row_table t;
	unsigned round = 0;
	__u64 base;
	int e;

	if (rows_fd < 0 || claims_fd < 0) {
		fprintf(stderr, "cycle inject: no maps 'mapping_rows' and 'mapping_claims' held by pid %d\n", pid);
		return 1;
	}
	if ((e = wt_row_table_map(&t, rows_fd, claims_fd, true))) {
		fprintf(stderr, "cycle inject: mapping the per-file table: %s\n", strerror(-e));
		return 1;
	}
	/* claimed as the BPF programs claim: rows of real files go elsewhere */
	base = __atomic_fetch_add(t.claims, n, __ATOMIC_ACQ_REL);
	if (base + n > t.max) {
		fprintf(stderr, "cycle inject: the table has %u slots, %llu taken: no room for %u more "
			"(start wtstat with a larger --max-mappings)\n", t.max, (unsigned long long)base, n);
		return 1;
	}
	if ((e = put_mappings(&t, base, n, round))) {
		fprintf(stderr, "cycle inject: mapping the table's rows: %s\n", strerror(-e));
		return 1;
	}
	printf("injected %u\n", n);
	fflush(stdout);
	while (!stop) {
		nanosleep(&nap, NULL);
		if (!stop && (e = put_mappings(&t, base, n, ++round))) {
			fprintf(stderr, "cycle inject: %s\n", strerror(-e));
			return 1;
		}
	}
	wt_row_table_unmap(&t);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: cycle [--mappings N] [--procs N] [--reps R] [--top N] [--prom-files N|all] [--serial]\n"
			"       cycle inject --pid PID [--mappings N] [--period S]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned nmaps = 10000, nprocs = 1000, top = 10;
	long prom_files = 5;	/* wtstat export's default --per-file */
	int reps = 7, pid = 0, inject = 0, serial = 0;
	double period = 1;
	struct sigaction sa = { .sa_handler = on_signal };

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (i == 1 && !strcmp(a, "inject"))
			inject = 1;
		else if (!strcmp(a, "--serial"))
			serial = 1;
		else if (!v)
			usage();
		else if (!strcmp(a, "--mappings") && atoi(v) > 0)
			nmaps = atoi(argv[++i]);
		else if (!strcmp(a, "--procs") && atoi(v) >= 0)
			nprocs = atoi(argv[++i]);
		else if (!strcmp(a, "--reps") && atoi(v) > 0)
			reps = atoi(argv[++i]);
		else if (!strcmp(a, "--top") && atoi(v) > 0)
			top = atoi(argv[++i]);
		else if (!strcmp(a, "--pid") && atoi(v) > 0)
			pid = atoi(argv[++i]);
		else if (!strcmp(a, "--prom-files") && !strcmp(v, "all"))
			prom_files = 0, i++;
		else if (!strcmp(a, "--prom-files") && atol(v) > 0)
			prom_files = atol(argv[++i]);
		else if (!strcmp(a, "--period") && atof(v) > 0)
			period = atof(argv[++i]);
		else
			usage();
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	libbpf_set_print(quiet);
	if (inject)
		return pid ? cmd_inject(pid, nmaps, period) : (usage(), 2);
	return cmd_cycle(nmaps, nprocs, reps, top, prom_files, serial);
}
