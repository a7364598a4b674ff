// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One name per counter, used alike by the text report, JSON and exporters. */
#include "report.h"

static const char *const names[WT_COUNTER_MAX] = {
	[WT_ANOM_END_WITHOUT_BEGIN] = "end_without_begin",
	[WT_ANOM_INFLIGHT_NEGATIVE] = "inflight_negative",
	[WT_ANOM_STABLE_CLEARED_INFLIGHT] = "stable_cleared_inflight",
	[WT_ANOM_STABLE_LEAKED] = "stable_leaked",
	[WT_ANOM_DIRTY_DRIFT] = "dirty_drift",
	[WT_DROP_MAPPING_FULL] = "mapping_table_full",
	[WT_DROP_PROC_FULL] = "process_table_full",
	[WT_DROP_DEV_FULL] = "device_table_full",
	[WT_DROP_PENDING_FULL] = "pending_table_full",
	[WT_DROP_NAME_UNREADABLE] = "file_name_unreadable",
	[WT_DROP_NO_STACK] = "stack_unreadable",
	[WT_DROP_STALL_FULL] = "stall_table_full",
	[WT_DROP_DIRTY_FULL] = "dirty_table_full",
	[WT_DROP_PROG_MISSED] = "kernel_skipped_runs",
	[WT_CNT_STABLE_CALLS] = "stable_calls",
	[WT_CNT_WAIT_NOSLEEP] = "waits_without_sleep",
	[WT_CNT_WAIT_OTHER] = "other_writeback_waits",
	[WT_CNT_WT_BEGIN] = "wt_begin_events",
	[WT_CNT_WT_END] = "wt_end_events",
	[WT_CNT_STABLE_SET] = "stable_set_events",
	[WT_CNT_STABLE_CLEAR] = "stable_clear_events",
	[WT_CNT_WT_WRITE_CALLS] = "wt_write_calls",
	[WT_CNT_WAIT_DURING_WT] = "waits_during_writethrough",
	[WT_CNT_THROTTLE_NOSLEEP] = "throttle_without_sleep",
	[WT_CNT_DIRTY_TRACKED] = "dirty_folios_tracked",
	[WT_CNT_DIRTY_ACCOUNTED] = "dirty_folios_accounted",
	[WT_CNT_CALLER_BY_WINDOW] = "callers_by_stack_window",
	[WT_CNT_CALLER_BY_UNWIND] = "callers_by_unwind",
	[WT_CNT_WAIT_END_INFERRED] = "sleep_ends_inferred",
	[WT_CNT_WAIT_SPILLED] = "waits_spilled",
};

const char *wt_counter_name(int c)
{
	return c >= 0 && c < WT_COUNTER_MAX && names[c] ? names[c] : "unknown";
}

bool wt_counter_is_anomaly(int c)
{
	return c >= WT_ANOM_END_WITHOUT_BEGIN && c <= WT_ANOM_DIRTY_DRIFT;
}

bool wt_counter_is_drop(int c)
{
	return c >= WT_DROP_MAPPING_FULL && c <= WT_DROP_PROG_MISSED;
}
