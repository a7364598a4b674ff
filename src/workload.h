/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The built-in workload: rewrites pages of a few small files while
 * another thread keeps starting writeback on them, so that on a device
 * with stable_writes the writers must wait for that writeback
 * (folio_wait_stable). Optional threads store through a shared mapping
 * (page_mkwrite path) and issue writethrough writes.
 */
#ifndef WTSTAT_WORKLOAD_H
#define WTSTAT_WORKLOAD_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#ifndef RWF_WRITETHROUGH
#define RWF_WRITETHROUGH 0x00000200	/* RFC v1; EOPNOTSUPP where unknown */
#endif

#define WORKLOAD_MAX_NAMED_FILES 8

struct workload_opts {
	const char *dir;	/* where to create files (< ~280 chars) */
	unsigned files;		/* number of files (0 means 1) */
	unsigned file_pages;	/* pages per file (0 means 64) */
	double seconds;		/* run time */
	unsigned writers;	/* buffered rewrite threads (one page per pwrite) */
	unsigned mmap_writers;	/* threads storing into MAP_SHARED mappings */
	bool writethrough;	/* one thread writes with RWF_WRITETHROUGH */
	bool flusher;		/* one thread loops sync_file_range(WRITE) */
	const volatile sig_atomic_t *stop;	/* optional early stop flag */
};

struct workload_result {
	unsigned long long writes, mmap_stores, writethroughs, flushes;
	/*
	 * false when pwritev2(RWF_WRITETHROUGH) failed with EOPNOTSUPP or
	 * EINVAL: the writethrough thread then emulates it with a buffered
	 * write plus sync_file_range(WRITE) of the same page, and
	 * writethroughs counts those.
	 */
	bool writethrough_supported;
	int writethrough_errno;
	char files[WORKLOAD_MAX_NAMED_FILES][300];	/* first files' paths */
};

/*
 * Create (truncate) the files, fill and fsync them, then run the threads
 * for o->seconds or until *o->stop. The files are kept.
 *
 * Signals are blocked in the worker threads, so a handler always runs in
 * the calling thread. Returns 0, or a negative errno with a one-line
 * reason in @err.
 */
int workload_run(const struct workload_opts *o, struct workload_result *r,
		 char *err, size_t errlen);

/*
 * Path of file @idx as workload_run() names it. Opening it with O_TRUNC
 * keeps the inode, so a caller may create it first to learn its inode
 * number before the run. Returns 0 or -ENAMETOOLONG.
 */
int workload_file_path(const char *dir, unsigned idx, char *buf, size_t len);

#endif /* WTSTAT_WORKLOAD_H */
