/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The per-file table as user space sees it: the BPF "mapping_rows" array
 * and its claim counter, mapped into this process's memory.
 */
#ifndef WTSTAT_ROWTABLE_H
#define WTSTAT_ROWTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "wtstat.h"

struct wt_row_table {
	struct wt_mapping_row *rows;	/* the first nmapped of max slots */
	__u64 *claims;			/* slots claimed; may pass max */
	__u32 max;
	__u32 nmapped;
	size_t rows_len, claims_len;	/* of the two mappings */
	int rows_fd;			/* -1: rows is plain memory of max slots */
	bool writable;
};

/*
 * Maps the claim counter and the first slots in use (writable: to fill the
 * table from user space, as the benchmark does). Returns 0 or -errno; on
 * error nothing stays mapped. The maps are sized and mapped from a loaded
 * object by wt_row_table_size() and wt_row_table_map_skel() (attach.h).
 */
int wt_row_table_map(struct wt_row_table *t, int rows_fd, int claims_fd, bool writable);
void wt_row_table_unmap(struct wt_row_table *t);

/*
 * Makes the first n slots (at most max) readable through t->rows. Only the
 * slots in use are mapped, and the mapping grows by doubling: a mapped page
 * counts in this process's RSS, and --max-mappings may be millions.
 * Returns 0 or -errno (the old mapping then stays).
 */
int wt_row_table_cover(struct wt_row_table *t, __u32 n);

/* Slots that may hold a row: claims, at most max. */
static inline __u32 wt_row_table_used(const struct wt_row_table *t)
{
	__u64 c = __atomic_load_n(t->claims, __ATOMIC_ACQUIRE);

	return c < t->max ? (__u32)c : t->max;
}

/* A slot's row is complete once its first_seen_ns is set (written last). */
static inline bool wt_row_shown(const struct wt_mapping_row *r)
{
	return __atomic_load_n(&r->s.first_seen_ns, __ATOMIC_ACQUIRE) != 0;
}

#endif
