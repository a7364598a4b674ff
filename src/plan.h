/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The attach planner: given what is known about the running kernel, pick
 * for every logical event the first candidate hook that can work, and keep
 * the reason every other candidate was passed over. Pure logic, no I/O:
 * src/kernel_desc.c gathers the facts, src/attach.c acts on the plan.
 */
#ifndef WTSTAT_PLAN_H
#define WTSTAT_PLAN_H

#include <stdbool.h>

enum wt_event {
	EV_STABLE_WAIT,
	EV_WT_BEGIN,
	EV_WT_END,
	EV_STABLE_SET,
	EV_STABLE_CLEAR,
	EV_DIRTY_THROTTLE,	/* sleeps in balance_dirty_pages() */
	EV_DIRTY_DRIFT,		/* folios cleaned without dirty accounting */
	/* neighbours: hooks that help or stand in for the events above */
	EV_WAIT_WRITEBACK,	/* marks real sleeps inside folio_wait_stable */
	EV_SCHED_SWITCH,	/* ends waits and stalls measured from tracepoints */
	EV_DIO_COMPLETE,	/* stands in for wt_end */
	EV_WT_WRITE,		/* writethrough write requests */
	EV_DIRTY_DIRTIED,	/* folios dirtied with accounting */
	EV_DIRTY_CLEANED,	/* ... cleaned with accounting for I/O */
	EV_DIRTY_CANCELLED,	/* ... cleaned with accounting on truncate */
	EV_WB_START,		/* folios starting writeback */
	EV_COUNT,
};

enum wt_method {
	M_NONE,
	M_FENTRY,
	M_KPROBE,
	M_TRACEPOINT,
	M_DERIVED,
	M_COUNT,
};

#define WT_MAX_CANDIDATES 4
#define WT_NAME_MAX 128
#define WT_REASON_MAX 192
#define WT_MAX_SYMS 32

struct wt_candidate {
	enum wt_method method;
	char target[WT_NAME_MAX];
};

/* Facts about one symbol or tracepoint name; -1 in an int field: unknown. */
struct wt_sym_facts {
	char name[WT_NAME_MAX];
	int in_kallsyms;
	int traceable;		/* listed in available_filter_functions */
	int btf_func;		/* a BTF FUNC of vmlinux or a module */
	int tracepoint;
};

struct wt_kernel_desc {
	bool btf;		/* kernel BTF available */
	int kprobes;		/* kprobe support built in: 1, 0, -1 unknown */
	bool have_wt_count;	/* BTF: address_space.i_wt_count (RFC patch) */
	bool have_as_stable;	/* BTF: AS_STABLE_WRITES (6.7+, 6.1.72+) */
	int as_stable_bit;	/* its value (bit in mapping->flags), -1 without it */
	bool folio_memdesc;	/* BTF: folio flags are a memdesc_flags_t (6.18+) */
	int bdp_nargs;		/* arguments of the balance_dirty_pages tracepoint */
	char release[64];
	int nsyms;
	struct wt_sym_facts syms[WT_MAX_SYMS];
	/* learnt from failed loads and attaches, then re-planned */
	bool fentry_refused;
	char fentry_refused_why[WT_REASON_MAX];
	char rejected[EV_COUNT][M_COUNT][WT_REASON_MAX];
};

struct wt_plan_opts {
	enum wt_method force_method;	/* M_NONE: no forcing */
	bool overridden[EV_COUNT];
	struct wt_candidate override[EV_COUNT];
};

struct wt_choice {
	enum wt_event event;
	enum wt_method method;		/* M_NONE: not attached */
	char target[WT_NAME_MAX];
	bool needed;			/* false for a neighbour the plan does not use */
	char note[WT_REASON_MAX];	/* how it works, or why nothing was chosen */
	int nrejected;
	struct {
		enum wt_method method;
		char target[WT_NAME_MAX];
		char reason[WT_REASON_MAX];
	} rejected[WT_MAX_CANDIDATES];
};

struct wt_plan {
	struct wt_choice ev[EV_COUNT];
};

const char *wt_event_name(enum wt_event ev);
const char *wt_method_name(enum wt_method m);
int wt_event_from_name(const char *name);
int wt_method_from_name(const char *name);
bool wt_event_is_neighbour(enum wt_event ev);

/* Default ordered candidates of an event, with overrides applied. */
int wt_candidates(enum wt_event ev, const struct wt_plan_opts *opts, struct wt_candidate *out);

/* Every name the planner may ask facts about (deduplicated). */
int wt_plan_names(const struct wt_plan_opts *opts, char names[][WT_NAME_MAX], int max);

/* "writeback/folio_wait_writeback" -> "folio_wait_writeback" */
const char *wt_tp_name(const char *target);

struct wt_sym_facts *wt_desc_sym(struct wt_kernel_desc *d, const char *name);
const struct wt_sym_facts *wt_desc_sym_c(const struct wt_kernel_desc *d, const char *name);

void wt_plan_make(const struct wt_kernel_desc *d, const struct wt_plan_opts *opts, struct wt_plan *plan);

/*
 * Parses "EVENT=METHOD:TARGET" into opts. Returns 0, or -1 with a one-line
 * message in err naming the offending part.
 */
int wt_parse_probe_spec(const char *spec, struct wt_plan_opts *opts, char *err, size_t errlen);

#endif /* WTSTAT_PLAN_H */
