/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Fixtures shared by the unit tests. Include after <cmocka.h>. */
#ifndef WTSTAT_TESTUTIL_H
#define WTSTAT_TESTUTIL_H

#include "hist.h"
#include "plan.h"

/* Records a sample `times` times, exactly as bpf/wtstat.bpf.c hist_add() does. */
static inline void hist_put_n(struct wt_hist *h, __u64 ns, __u64 times)
{
	h->slots[wt_slot_of(ns)] += times;
	h->count += times;
	h->sum_ns += ns * times;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

static inline void hist_put(struct wt_hist *h, __u64 ns)
{
	hist_put_n(h, ns, 1);
}

/* Facts about one name, as src/kernel_desc.c would gather them. */
static inline void sym(struct wt_kernel_desc *d, const char *name, int kallsyms, int traceable,
		       int btf_func, int tracepoint)
{
	struct wt_sym_facts *s = wt_desc_sym(d, name);

	assert_non_null(s);
	s->in_kallsyms = kallsyms;
	s->traceable = traceable;
	s->btf_func = btf_func;
	s->tracepoint = tracepoint;
}

/* The names of an unpatched 6.x kernel: the set/clear helpers are static
 * inline, the RFC's functions absent, the rest traceable with BTF. */
static inline void unpatched_symbols(struct wt_kernel_desc *d)
{
	sym(d, "folio_wait_stable", 1, 1, 1, 0);
	sym(d, "folio_wait_writeback", 1, 1, 1, 1);	/* function and tracepoint */
	sym(d, "sched_switch", 0, 0, 0, 1);
	sym(d, "mapping_set_stable_writes", 0, 0, 0, 0);
	sym(d, "mapping_clear_stable_writes", 0, 0, 0, 0);
	sym(d, "inode_writethrough_begin", 0, 0, 0, 0);
	sym(d, "inode_writethrough_end", 0, 0, 0, 0);
	sym(d, "iomap_file_writethrough_write", 0, 0, 0, 0);
	sym(d, "iomap_dio_complete", 1, 1, 1, 0);
}

#endif
