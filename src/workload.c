// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Stable-wait workload, see workload.h.
 *
 * Every thread picks pages at random over all files, so writers,
 * mapping stores and writethrough writes keep landing on pages the
 * flusher has just put under writeback: that overlap is what makes
 * them wait when the device wants stable pages.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* pipe2, strchrnul, pwritev2, sync_file_range */
#endif
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "workload.h"

#define DEFAULT_PAGES		64
#define MAX_FILE_BYTES		(1ULL << 30)
#define MAX_SECONDS		(365.0 * 24 * 3600)
#define STORES_PER_CHECK	16	/* stores are cheap, clock reads are not */

enum wl_kind { WL_WRITER, WL_MMAP, WL_WT, WL_FLUSHER };

struct wl_ctx {
	const struct workload_opts *o;
	unsigned nfiles, pages;
	size_t pgsz;
	int *fds;
	unsigned char **maps;
	struct timespec deadline;
	bool wt_supported;
	atomic_int error;	/* first worker failure, -errno */
	char errmsg[160];
};

struct wl_thread {
	pthread_t tid;
	struct wl_ctx *ctx;
	enum wl_kind kind;
	uint64_t rng;
	unsigned char *buf;	/* one page, private to the thread */
	unsigned long long count;
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int workload_file_path(const char *dir, unsigned idx, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/wtload-%u.dat", dir, idx);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* xorshift64*: per-thread, no locks, good enough to scatter page picks. */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static void pick_page(struct wl_thread *t, unsigned *file, off_t *off)
{
	uint64_t r = next_rand(&t->rng);

	*file = (unsigned)(r % t->ctx->nfiles);
	*off = (off_t)((r >> 32) % t->ctx->pages) * (off_t)t->ctx->pgsz;
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static bool wl_done(struct wl_ctx *c)
{
	struct timespec now;

	if (c->o->stop && *c->o->stop)
		return true;
	if (atomic_load_explicit(&c->error, memory_order_relaxed))
		return true;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return !ts_before(&now, &c->deadline);
}

/* Record the first failure; the others stop at their next check. */
static void wl_fail(struct wl_ctx *c, int e, const char *what)
{
	int zero = 0;

	if (atomic_compare_exchange_strong(&c->error, &zero, -e))
		snprintf(c->errmsg, sizeof(c->errmsg), "%s: %s", what,
			 strerror(e));
}

/* Make every write change the page, so nothing can skip it as a no-op. */
static void stamp(struct wl_thread *t)
{
	memcpy(t->buf, &t->count, sizeof(t->count));
}

static bool write_page(struct wl_thread *t, int fd, off_t off, int flags)
{
	struct iovec iov = { .iov_base = t->buf, .iov_len = t->ctx->pgsz };
	ssize_t n;

	do {
		n = flags ? pwritev2(fd, &iov, 1, off, flags) :
			    pwrite(fd, t->buf, t->ctx->pgsz, off);
	} while (n < 0 && errno == EINTR);
	if (n == (ssize_t)t->ctx->pgsz)
		return true;
	wl_fail(t->ctx, n < 0 ? errno : EIO,
		flags ? "pwritev2(RWF_WRITETHROUGH)" : "pwrite");
	return false;
}

static bool start_writeback(struct wl_ctx *c, int fd, off_t off, off_t len)
{
	if (!sync_file_range(fd, off, len, SYNC_FILE_RANGE_WRITE))
		return true;
	wl_fail(c, errno, "sync_file_range");
	return false;
}

static void writer_loop(struct wl_thread *t)
{
	unsigned f;
	off_t off;

	while (!wl_done(t->ctx)) {
		pick_page(t, &f, &off);
		stamp(t);
		if (!write_page(t, t->ctx->fds[f], off, 0))
			return;
		t->count++;
	}
}

static void mmap_loop(struct wl_thread *t)
{
	size_t words = t->ctx->pgsz / sizeof(uint64_t);
	volatile uint64_t *p;
	unsigned f, i;
	off_t off;

	while (!wl_done(t->ctx)) {
		for (i = 0; i < STORES_PER_CHECK; i++) {
			pick_page(t, &f, &off);
			p = (volatile uint64_t *)(t->ctx->maps[f] + off);
			p[next_rand(&t->rng) % words] = t->count++;
		}
	}
}

static void writethrough_loop(struct wl_thread *t)
{
	struct wl_ctx *c = t->ctx;
	unsigned f;
	off_t off;

	while (!wl_done(c)) {
		pick_page(t, &f, &off);
		stamp(t);
		if (c->wt_supported) {
			if (!write_page(t, c->fds[f], off, RWF_WRITETHROUGH))
				return;
		} else if (!write_page(t, c->fds[f], off, 0) ||
			   !start_writeback(c, c->fds[f], off, (off_t)c->pgsz)) {
			return;
		}
		t->count++;
	}
}

static void flusher_loop(struct wl_thread *t)
{
	unsigned f;

	while (!wl_done(t->ctx)) {
		for (f = 0; f < t->ctx->nfiles; f++) {
			if (!start_writeback(t->ctx, t->ctx->fds[f], 0, 0))
				return;
			t->count++;
		}
	}
}

static void *thread_main(void *arg)
{
	struct wl_thread *t = arg;

	switch (t->kind) {
	case WL_WRITER:
		writer_loop(t);
		break;
	case WL_MMAP:
		mmap_loop(t);
		break;
	case WL_WT:
		writethrough_loop(t);
		break;
	case WL_FLUSHER:
		flusher_loop(t);
		break;
	}
	return NULL;
}

static int fill_file(int fd, unsigned pages, size_t pgsz, unsigned char *buf)
{
	unsigned i;

	memset(buf, 0x5a, pgsz);
	for (i = 0; i < pages; i++) {
		if (pwrite(fd, buf, pgsz, (off_t)i * (off_t)pgsz) !=
		    (ssize_t)pgsz)
			return errno ? -errno : -EIO;
	}
	/* so the timed part sees only the rewrites' writeback */
	return fsync(fd) ? -errno : 0;
}

static int open_files(struct wl_ctx *c, struct workload_result *r,
		      unsigned char *buf, char *err, size_t errlen)
{
	/* paths are reported in r->files[], so they must fit there */
	char path[sizeof(r->files[0])];
	unsigned i;
	int ret;

	for (i = 0; i < c->nfiles; i++) {
		if (workload_file_path(c->o->dir, i, path, sizeof(path))) {
			seterr(err, errlen, "path too long in %s", c->o->dir);
			return -ENAMETOOLONG;
		}
		c->fds[i] = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
				 0644);
		if (c->fds[i] < 0) {
			ret = -errno;
			seterr(err, errlen, "open %s: %s", path, strerror(-ret));
			return ret;
		}
		ret = fill_file(c->fds[i], c->pages, c->pgsz, buf);
		if (ret) {
			seterr(err, errlen, "fill %s: %s", path, strerror(-ret));
			return ret;
		}
		if (i < WORKLOAD_MAX_NAMED_FILES)
			memcpy(r->files[i], path, sizeof(path));
	}
	return 0;
}

/* Unknown RWF flags give EOPNOTSUPP; EINVAL means a refused combination. */
static int probe_writethrough(struct wl_ctx *c, struct workload_result *r,
			      unsigned char *buf, char *err, size_t errlen)
{
	struct iovec iov = { .iov_base = buf, .iov_len = c->pgsz };
	ssize_t n;
	int e;

	do {
		n = pwritev2(c->fds[0], &iov, 1, 0, RWF_WRITETHROUGH);
	} while (n < 0 && errno == EINTR);
	e = n < 0 ? errno : EIO;
	if (n == (ssize_t)c->pgsz) {
		c->wt_supported = true;
	} else if (e == EOPNOTSUPP || e == EINVAL || e == ENOSYS) {
		r->writethrough_errno = e;
	} else {
		r->writethrough_errno = e;
		seterr(err, errlen, "pwritev2(RWF_WRITETHROUGH) probe: %s",
		       strerror(e));
		return -e;
	}
	r->writethrough_supported = c->wt_supported;
	/* the probe may have dirtied page 0; keep the start state clean */
	return fsync(c->fds[0]) ? -errno : 0;
}

static int map_files(struct wl_ctx *c, char *err, size_t errlen)
{
	size_t len = (size_t)c->pages * c->pgsz;
	unsigned i;
	void *p;

	for (i = 0; i < c->nfiles; i++) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 c->fds[i], 0);
		if (p == MAP_FAILED) {
			seterr(err, errlen, "mmap: %s", strerror(errno));
			return -errno;
		}
		c->maps[i] = p;
	}
	return 0;
}

static void set_deadline(struct wl_ctx *c, double seconds)
{
	time_t whole = (time_t)seconds;
	struct timespec *d = &c->deadline;

	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += whole;
	d->tv_nsec += (long)((seconds - (double)whole) * 1e9);
	if (d->tv_nsec >= 1000000000L) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000L;
	}
}

static void assign_kinds(const struct workload_opts *o, struct wl_thread *th)
{
	unsigned i, n = 0;

	for (i = 0; i < o->writers; i++)
		th[n++].kind = WL_WRITER;
	for (i = 0; i < o->mmap_writers; i++)
		th[n++].kind = WL_MMAP;
	if (o->writethrough)
		th[n++].kind = WL_WT;
	if (o->flusher)
		th[n++].kind = WL_FLUSHER;
}

/* Workers must not take the caller's signals: its handler sets o->stop. */
static void block_async_signals(sigset_t *old)
{
	static const int sync_sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL,
					 SIGABRT, SIGTRAP };
	sigset_t set;
	size_t i;

	sigfillset(&set);
	for (i = 0; i < sizeof(sync_sigs) / sizeof(sync_sigs[0]); i++)
		sigdelset(&set, sync_sigs[i]);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

static int start_threads(struct wl_ctx *c, struct wl_thread *th,
			 unsigned nth, unsigned *started)
{
	sigset_t old;
	unsigned i;
	int ret = 0;

	block_async_signals(&old);
	set_deadline(c, c->o->seconds);
	for (i = 0; i < nth; i++) {
		ret = pthread_create(&th[i].tid, NULL, thread_main, &th[i]);
		if (ret) {
			wl_fail(c, ret, "pthread_create");
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	*started = i;
	return -ret;
}

static void collect(struct wl_thread *th, unsigned nth,
		    struct workload_result *r)
{
	unsigned i;

	for (i = 0; i < nth; i++) {
		switch (th[i].kind) {
		case WL_WRITER:
			r->writes += th[i].count;
			break;
		case WL_MMAP:
			r->mmap_stores += th[i].count;
			break;
		case WL_WT:
			r->writethroughs += th[i].count;
			break;
		case WL_FLUSHER:
			r->flushes += th[i].count;
			break;
		}
	}
}

static int run_threads(struct wl_ctx *c, struct workload_result *r,
		       char *err, size_t errlen)
{
	const struct workload_opts *o = c->o;
	unsigned nth = o->writers + o->mmap_writers + o->writethrough +
		       o->flusher;
	unsigned i, started = 0;
	struct wl_thread *th;
	int ret;

	th = calloc(nth, sizeof(*th));
	if (!th) {
		seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	assign_kinds(o, th);
	for (i = 0; i < nth; i++) {
		th[i].ctx = c;
		th[i].rng = (0x9E3779B97F4A7C15ULL * (i + 1) ^ (uint64_t)getpid()) | 1;
		th[i].buf = malloc(c->pgsz);
		if (!th[i].buf) {
			seterr(err, errlen, "out of memory");
			ret = -ENOMEM;
			goto out;
		}
		memset(th[i].buf, 0xa5, c->pgsz);
	}
	start_threads(c, th, nth, &started);
	for (i = 0; i < started; i++)
		pthread_join(th[i].tid, NULL);
	collect(th, nth, r);
	ret = atomic_load(&c->error);
	if (ret)
		seterr(err, errlen, "%s", c->errmsg);
out:
	for (i = 0; i < nth; i++)
		free(th[i].buf);
	free(th);
	return ret;
}

static int check_opts(const struct workload_opts *o, size_t pgsz,
		      char *err, size_t errlen)
{
	unsigned pages = o->file_pages ? o->file_pages : DEFAULT_PAGES;

	if (!o->dir || !o->dir[0]) {
		seterr(err, errlen, "no directory given");
		return -EINVAL;
	}
	if (!(o->seconds > 0 && o->seconds <= MAX_SECONDS)) {
		seterr(err, errlen, "run time must be in (0, %.0f] seconds",
		       MAX_SECONDS);
		return -EINVAL;
	}
	if ((unsigned long long)pages * pgsz > MAX_FILE_BYTES) {
		seterr(err, errlen, "files larger than %llu bytes",
		       MAX_FILE_BYTES);
		return -EINVAL;
	}
	if (!o->writers && !o->mmap_writers && !o->writethrough &&
	    !o->flusher) {
		seterr(err, errlen, "no threads requested");
		return -EINVAL;
	}
	return 0;
}

static void release(struct wl_ctx *c)
{
	size_t len = (size_t)c->pages * c->pgsz;
	unsigned i;

	for (i = 0; i < c->nfiles; i++) {
		if (c->maps && c->maps[i])
			munmap(c->maps[i], len);
		if (c->fds && c->fds[i] >= 0)
			close(c->fds[i]);
	}
	free(c->maps);
	free(c->fds);
}

static int alloc_ctx(struct wl_ctx *c, const struct workload_opts *o,
		     size_t pgsz)
{
	unsigned i;

	c->o = o;
	c->pgsz = pgsz;
	c->nfiles = o->files ? o->files : 1;
	c->pages = o->file_pages ? o->file_pages : DEFAULT_PAGES;
	atomic_init(&c->error, 0);
	c->fds = malloc(c->nfiles * sizeof(*c->fds));
	if (!c->fds)
		return -ENOMEM;
	for (i = 0; i < c->nfiles; i++)
		c->fds[i] = -1;
	c->maps = calloc(c->nfiles, sizeof(*c->maps));
	return c->maps ? 0 : -ENOMEM;
}

static int prepare(struct wl_ctx *c, struct workload_result *r,
		   char *err, size_t errlen)
{
	unsigned char *buf = malloc(c->pgsz);
	int ret;

	if (!buf) {
		seterr(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = open_files(c, r, buf, err, errlen);
	if (!ret && c->o->writethrough)
		ret = probe_writethrough(c, r, buf, err, errlen);
	if (!ret && c->o->mmap_writers)
		ret = map_files(c, err, errlen);
	free(buf);
	return ret;
}

int workload_run(const struct workload_opts *o, struct workload_result *r,
		 char *err, size_t errlen)
{
	long pgsz = sysconf(_SC_PAGESIZE);
	struct wl_ctx c = { 0 };
	int ret;

	memset(r, 0, sizeof(*r));
	if (err && errlen)
		err[0] = '\0';
	ret = check_opts(o, (size_t)pgsz, err, errlen);
	if (ret)
		return ret;
	ret = alloc_ctx(&c, o, (size_t)pgsz);
	if (ret) {
		seterr(err, errlen, "out of memory");
		goto out;
	}
	ret = prepare(&c, r, err, errlen);
	if (ret)
		goto out;
	if (o->stop && *o->stop)
		goto out;
	ret = run_threads(&c, r, err, errlen);
out:
	release(&c);
	return ret;
}
