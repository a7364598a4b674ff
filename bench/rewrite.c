// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * rewrite: the benchmark's fixed-work workload. One thread rewrites 4 KiB
 * pages of one file with pwrite() (the same pseudo-random page sequence
 * every run) and, by default (--mode self), starts writeback of each page
 * it wrote with sync_file_range(WRITE), so the next rewrite of that page
 * finds it under writeback. On a device with stable_writes=1 the writer
 * then waits in folio_wait_stable() for that writeback; with 0 it never
 * waits but does the same work. --mode flusher leaves the writeback to a
 * second thread that loops sync_file_range() over the file (more waits,
 * much noisier timing); --mode none only writes.
 *
 *   rewrite (--scratch [--stable 0|1] [--fstype xfs|ext4] | --dir DIR)
 *           [--pages N] [--mode self|flusher|none]
 *
 * Sets up the file, prints "ready dev=MAJ:MIN ino=N file=PATH", then takes
 * commands on stdin, one per line, and answers each with one JSON line:
 *   run N        N writes, timed: {"writes":N,"wall_ns":..,"user_ns":..,...,
 *                "writer_run_ns":..,"writer_runq_ns":..} (the writer thread's
 *                time on a CPU, and runnable but waiting for one)
 *   seconds S    as many writes as fit in S seconds (to size N)
 *   quit         (or end of stdin, SIGINT, SIGTERM): clean up and exit
 * Tracers are attached and detached between runs, so one file, one page
 * cache and one loop device serve every configuration.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "loopdev.h"

#define PAGE 4096

enum { MODE_SELF, MODE_FLUSHER, MODE_NONE };

static volatile sig_atomic_t stop_sig;
static struct scratch_fs fs = SCRATCH_FS_INIT;

struct pass {
	int fd;
	unsigned pages;
	bool flusher;
	bool self_sync;		/* the writer starts writeback of each page it wrote */
	unsigned long long max_writes;	/* 0: until deadline */
	double seconds;
	atomic_bool done;
	unsigned long long writes, flushes;
	int err;
};

static void on_signal(int sig)
{
	stop_sig = sig;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t tv_ns(struct timeval tv)
{
	return tv.tv_sec * 1000000000ULL + tv.tv_usec * 1000ULL;
}

/*
 * The calling thread's /proc schedstat: time on a CPU and time spent
 * runnable but waiting for one (both ns). The second is what other load
 * on the machine adds to a run's wall time directly; it is zero on an
 * idle machine whatever the tracer does.
 */
static int thread_schedstat(uint64_t *run_ns, uint64_t *wait_ns)
{
	FILE *f = fopen("/proc/thread-self/schedstat", "re");
	unsigned long long r, w;
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "%llu %llu", &r, &w) == 2;
	fclose(f);
	if (!ok)
		return -1;
	*run_ns = r;
	*wait_ns = w;
	return 0;
}

static void *flusher(void *arg)
{
	struct pass *p = arg;

	while (!atomic_load_explicit(&p->done, memory_order_relaxed)) {
		if (sync_file_range(p->fd, 0, 0, SYNC_FILE_RANGE_WRITE)) {
			p->err = errno;
			break;
		}
		p->flushes++;
	}
	return NULL;
}

/* xorshift64*: the same page sequence in every run */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static int writer(struct pass *p, unsigned char *buf)
{
	uint64_t rng = 0x9E3779B97F4A7C15ULL, deadline = 0;

	if (p->seconds > 0)
		deadline = now_ns() + (uint64_t)(p->seconds * 1e9);
	for (p->writes = 0; !stop_sig; p->writes++) {
		off_t off;

		if (p->max_writes && p->writes >= p->max_writes)
			break;
		if (deadline && !(p->writes & 255) && now_ns() >= deadline)
			break;
		off = (off_t)(next_rand(&rng) % p->pages) * PAGE;
		memcpy(buf, &p->writes, sizeof(p->writes));	/* every write changes the page */
		if (pwrite(p->fd, buf, PAGE, off) != PAGE)
			return errno ? errno : EIO;
		if (p->self_sync) {
			if (sync_file_range(p->fd, off, PAGE, SYNC_FILE_RANGE_WRITE))
				return errno;
			p->flushes++;
		}
	}
	return 0;
}

static int one_pass(int fd, unsigned pages, int mode, unsigned long long n, double secs)
{
	static unsigned char buf[PAGE] __attribute__((aligned(PAGE)));
	bool with_flusher = mode == MODE_FLUSHER;
	struct pass p = { .fd = fd, .pages = pages, .flusher = with_flusher, .self_sync = mode == MODE_SELF,
			  .max_writes = n, .seconds = secs };
	struct rusage r0, r1;
	pthread_t th;
	uint64_t t0, t1, run0 = 0, run1 = 0, wait0 = 0, wait1 = 0;
	int err, sched;

	/* start clean: nothing dirty or under writeback from the last run */
	if (fsync(fd))
		return -errno;
	memset(buf, 0x5a, sizeof(buf));
	atomic_store(&p.done, false);
	if (with_flusher && pthread_create(&th, NULL, flusher, &p))
		return -EAGAIN;
	getrusage(RUSAGE_SELF, &r0);
	sched = thread_schedstat(&run0, &wait0);
	t0 = now_ns();
	err = writer(&p, buf);
	t1 = now_ns();
	sched |= thread_schedstat(&run1, &wait1);
	getrusage(RUSAGE_SELF, &r1);
	atomic_store(&p.done, true);
	if (with_flusher)
		pthread_join(th, NULL);
	if (err || p.err) {
		printf("{\"error\":\"%s: %s\"}\n", err ? "pwrite" : "sync_file_range", strerror(err ? err : p.err));
		fflush(stdout);
		return -(err ? err : p.err);
	}
	printf("{\"writes\":%llu,\"wall_ns\":%llu,\"writes_per_s\":%.1f,\"flushes\":%llu,"
	       "\"user_ns\":%llu,\"sys_ns\":%llu",
	       p.writes, (unsigned long long)(t1 - t0), p.writes / ((t1 - t0) / 1e9), p.flushes,
	       (unsigned long long)(tv_ns(r1.ru_utime) - tv_ns(r0.ru_utime)),
	       (unsigned long long)(tv_ns(r1.ru_stime) - tv_ns(r0.ru_stime)));
	/* the writer thread only: on-CPU time, and time it was runnable
	 * but other tasks had the CPUs */
	if (!sched)
		printf(",\"writer_run_ns\":%llu,\"writer_runq_ns\":%llu", (unsigned long long)(run1 - run0),
		       (unsigned long long)(wait1 - wait0));
	printf("}\n");
	fflush(stdout);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: rewrite (--scratch [--stable 0|1] [--fstype xfs|ext4] | --dir DIR)"
			" [--pages N] [--mode self|flusher|none]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *fstype = NULL;
	bool scratch = false, stable = true;
	int mode = MODE_SELF;
	unsigned pages = 64;
	char path[512], line[128], err[256];
	struct sigaction sa = { .sa_handler = on_signal };
	struct stat st;
	int fd, ret = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--scratch"))
			scratch = true;
		else if (!strcmp(a, "--mode") && v && !strcmp(v, "self"))
			mode = MODE_SELF, i++;
		else if (!strcmp(a, "--mode") && v && !strcmp(v, "flusher"))
			mode = MODE_FLUSHER, i++;
		else if (!strcmp(a, "--mode") && v && !strcmp(v, "none"))
			mode = MODE_NONE, i++;
		else if (!strcmp(a, "--stable") && v && (!strcmp(v, "0") || !strcmp(v, "1")))
			stable = *argv[++i] == '1';
		else if (!strcmp(a, "--fstype") && v)
			fstype = argv[++i];
		else if (!strcmp(a, "--dir") && v)
			dir = argv[++i];
		else if (!strcmp(a, "--pages") && v && atoi(v) > 0)
			pages = (unsigned)atoi(argv[++i]);
		else
			usage();
	}
	if (!!dir == scratch)
		usage();
	sigemptyset(&sa.sa_mask);	/* no SA_RESTART: a blocked read notices */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (scratch) {
		if (scratch_fs_create(&fs, 512, stable, fstype, err, sizeof(err))) {
			fprintf(stderr, "rewrite: scratch fs: %s\n", err);
			return 1;
		}
		dir = fs.mnt;
	}
	snprintf(path, sizeof(path), "%s/rewrite.dat", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || fstat(fd, &st)) {
		fprintf(stderr, "rewrite: %s: %s\n", path, strerror(errno));
		ret = 1;
		goto out;
	}
	{
		static unsigned char zero[PAGE];

		for (unsigned i = 0; i < pages; i++)
			if (pwrite(fd, zero, PAGE, (off_t)i * PAGE) != PAGE) {
				fprintf(stderr, "rewrite: fill %s: %s\n", path, strerror(errno));
				ret = 1;
				goto out;
			}
	}
	printf("ready dev=%u:%u ino=%llu file=%s fstype=%s stable=%d\n", major(st.st_dev), minor(st.st_dev),
	       (unsigned long long)st.st_ino, path, scratch ? fs.fstype : "-", scratch ? (int)stable : -1);
	fflush(stdout);
	while (!stop_sig && fgets(line, sizeof(line), stdin)) {
		unsigned long long n;
		double s;

		if (sscanf(line, "run %llu", &n) == 1 && n > 0)
			ret = one_pass(fd, pages, mode, n, 0) ? 1 : 0;
		else if (sscanf(line, "seconds %lf", &s) == 1 && s > 0 && s < 3600)
			ret = one_pass(fd, pages, mode, 0, s) ? 1 : 0;
		else if (!strncmp(line, "quit", 4))
			break;
		else {
			printf("{\"error\":\"unknown command\"}\n");
			fflush(stdout);
		}
	}
out:
	if (fd >= 0)
		close(fd);
	scratch_fs_destroy(&fs);
	return ret;
}
