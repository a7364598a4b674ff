/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Gathers the facts the planner needs from the running kernel. */
#ifndef WTSTAT_KERNEL_DESC_H
#define WTSTAT_KERNEL_DESC_H

#include <stddef.h>
#include "plan.h"
#include "wtstat.h"

/* Where tracefs is (mounting it when absent); NULL if it cannot be had. */
const char *wt_tracefs_dir(char *why, size_t len);

/*
 * Fills d for every name the plan may use. btf_path: NULL for the running
 * kernel's /sys/kernel/btf/vmlinux. Returns 0, or -1 with err set when the
 * kernel cannot be described at all (no BTF).
 */
int wt_kernel_describe(struct wt_kernel_desc *d, const struct wt_plan_opts *opts,
		       const char *btf_path, char *err, size_t errlen);

/*
 * Text ranges of the functions through which a writeback wait is a stable
 * wait (folio_wait_stable and its callers), for the tracepoint path, sorted
 * by address and not overlapping: the BPF side searches them by halves.
 * waiter: the range of folio_wait_writeback, whose call of the tracepoint
 * the BPF side finds on the stack (all zero when absent, e.g. inlined).
 */
int wt_stable_caller_ranges(struct wt_caller_range *out, int max, struct wt_caller_range *waiter);

#endif
