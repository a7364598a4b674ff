// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>
#include "plan.h"

static const char *const event_names[EV_COUNT] = {
	[EV_STABLE_WAIT] = "stable_wait",
	[EV_WT_BEGIN] = "wt_begin",
	[EV_WT_END] = "wt_end",
	[EV_STABLE_SET] = "stable_set",
	[EV_STABLE_CLEAR] = "stable_clear",
	[EV_DIRTY_THROTTLE] = "dirty_throttle",
	[EV_DIRTY_DRIFT] = "dirty_drift",
	[EV_WAIT_WRITEBACK] = "wait_writeback",
	[EV_SCHED_SWITCH] = "sched_switch",
	[EV_DIO_COMPLETE] = "dio_complete",
	[EV_WT_WRITE] = "wt_write",
	[EV_DIRTY_DIRTIED] = "dirty_dirtied",
	[EV_DIRTY_CLEANED] = "dirty_cleaned",
	[EV_DIRTY_CANCELLED] = "dirty_cancelled",
	[EV_WB_START] = "wb_start",
};

static const char *const method_names[M_COUNT] = {
	[M_NONE] = "none",
	[M_FENTRY] = "fentry",
	[M_KPROBE] = "kprobe",
	[M_TRACEPOINT] = "tracepoint",
	[M_DERIVED] = "derived",
};

/* RFC v1 names: the defaults, overridable with --probe. */
static const struct wt_candidate defaults[EV_COUNT][WT_MAX_CANDIDATES] = {
	[EV_STABLE_WAIT] = { { M_FENTRY, "folio_wait_stable" },
			     { M_KPROBE, "folio_wait_stable" },
			     { M_TRACEPOINT, "writeback/folio_wait_writeback" } },
	[EV_WT_BEGIN] = { { M_FENTRY, "inode_writethrough_begin" },
			  { M_KPROBE, "inode_writethrough_begin" },
			  { M_DERIVED, "completions+i_wt_count" } },
	[EV_WT_END] = { { M_FENTRY, "inode_writethrough_end" },
			{ M_KPROBE, "inode_writethrough_end" } },
	[EV_STABLE_SET] = { { M_FENTRY, "mapping_set_stable_writes" },
			    { M_KPROBE, "mapping_set_stable_writes" },
			    { M_DERIVED, "stable-bit" } },
	[EV_STABLE_CLEAR] = { { M_FENTRY, "mapping_clear_stable_writes" },
			      { M_KPROBE, "mapping_clear_stable_writes" },
			      { M_DERIVED, "stable-bit" } },
	[EV_WAIT_WRITEBACK] = { { M_TRACEPOINT, "writeback/folio_wait_writeback" } },
	[EV_SCHED_SWITCH] = { { M_TRACEPOINT, "sched/sched_switch" } },
	[EV_DIO_COMPLETE] = { { M_FENTRY, "iomap_dio_complete" },
			      { M_KPROBE, "iomap_dio_complete" } },
	[EV_WT_WRITE] = { { M_FENTRY, "iomap_file_writethrough_write" },
			  { M_KPROBE, "iomap_file_writethrough_write" } },
	[EV_DIRTY_THROTTLE] = { { M_TRACEPOINT, "writeback/balance_dirty_pages" } },
	[EV_DIRTY_DRIFT] = { { M_DERIVED, "dirty-accounting" } },
	[EV_DIRTY_DIRTIED] = { { M_TRACEPOINT, "writeback/writeback_dirty_folio" } },
	[EV_DIRTY_CLEANED] = { { M_FENTRY, "folio_clear_dirty_for_io" },
			       { M_KPROBE, "folio_clear_dirty_for_io" } },
	[EV_DIRTY_CANCELLED] = { { M_FENTRY, "folio_account_cleaned" },
				 { M_KPROBE, "folio_account_cleaned" } },
	[EV_WB_START] = { { M_FENTRY, "__folio_start_writeback" },
			  { M_KPROBE, "__folio_start_writeback" } },
};

/* Names the kernel never has as symbols: static inline helpers. */
static const char *const static_inlines[] = {
	"mapping_set_stable_writes", "mapping_clear_stable_writes", "mapping_stable_writes",
};

/* Names the RFC patch adds (absent means: kernel not patched, or renamed). */
static const char *const rfc_names[] = {
	"inode_writethrough_begin", "inode_writethrough_end", "iomap_file_writethrough_write",
};

const char *wt_event_name(enum wt_event ev)
{
	return ev < EV_COUNT ? event_names[ev] : "?";
}

const char *wt_method_name(enum wt_method m)
{
	return m < M_COUNT ? method_names[m] : "?";
}

int wt_event_from_name(const char *name)
{
	for (int i = 0; i < EV_COUNT; i++)
		if (!strcmp(name, event_names[i]))
			return i;
	return -1;
}

int wt_method_from_name(const char *name)
{
	for (int i = M_FENTRY; i < M_COUNT; i++)
		if (!strcmp(name, method_names[i]))
			return i;
	return -1;
}

bool wt_event_is_neighbour(enum wt_event ev)
{
	return ev >= EV_WAIT_WRITEBACK;	/* see the enum: neighbours come last */
}

static bool in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, list[i]))
			return true;
	return false;
}

int wt_candidates(enum wt_event ev, const struct wt_plan_opts *opts, struct wt_candidate *out)
{
	int n = 0;

	if (opts && opts->overridden[ev]) {
		out[n++] = opts->override[ev];
		/* derivation is no hook: it stays the fallback of an override */
		for (int i = 0; i < WT_MAX_CANDIDATES; i++)
			if (defaults[ev][i].method == M_DERIVED)
				out[n++] = defaults[ev][i];
		return n;
	}
	for (int i = 0; i < WT_MAX_CANDIDATES; i++) {
		if (defaults[ev][i].method == M_NONE)
			break;
		out[n++] = defaults[ev][i];
	}
	return n;
}

const char *wt_tp_name(const char *target)
{
	const char *slash = strchr(target, '/');

	return slash ? slash + 1 : target;
}

int wt_plan_names(const struct wt_plan_opts *opts, char names[][WT_NAME_MAX], int max)
{
	struct wt_candidate c[WT_MAX_CANDIDATES];
	int n = 0;

	for (int ev = 0; ev < EV_COUNT; ev++) {
		int nc = wt_candidates(ev, opts, c);

		for (int i = 0; i < nc; i++) {
			const char *name;
			bool dup = false;

			if (c[i].method == M_DERIVED)
				continue;
			name = c[i].method == M_TRACEPOINT ? wt_tp_name(c[i].target) : c[i].target;
			for (int j = 0; j < n; j++)
				dup |= !strcmp(names[j], name);
			if (!dup && n < max)
				snprintf(names[n++], WT_NAME_MAX, "%s", name);
		}
	}
	return n;
}

const struct wt_sym_facts *wt_desc_sym_c(const struct wt_kernel_desc *d, const char *name)
{
	for (int i = 0; i < d->nsyms; i++)
		if (!strcmp(d->syms[i].name, name))
			return &d->syms[i];
	return NULL;
}

struct wt_sym_facts *wt_desc_sym(struct wt_kernel_desc *d, const char *name)
{
	struct wt_sym_facts *s = (struct wt_sym_facts *)wt_desc_sym_c(d, name);

	if (s || d->nsyms >= WT_MAX_SYMS)
		return s;
	s = &d->syms[d->nsyms++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->in_kallsyms = s->traceable = s->btf_func = s->tracepoint = -1;
	return s;
}

static void absent_reason(const char *name, char *why, size_t len)
{
	if (in_list(name, static_inlines, sizeof(static_inlines) / sizeof(*static_inlines)))
		snprintf(why, len, "inlined: static inline in include/linux/pagemap.h, no symbol to attach to");
	else if (in_list(name, rfc_names, sizeof(rfc_names) / sizeof(*rfc_names)))
		snprintf(why, len, "symbol absent: kernel lacks the RWF_WRITETHROUGH patch (or it was renamed: use --probe)");
	else
		snprintf(why, len, "symbol absent from /proc/kallsyms");
}

static void notrace_reason(const char *name, enum wt_method m, char *why, size_t len)
{
	const char *extra = !strcmp(name, "inode_writethrough_begin")
		? "; gcc also inlines it into its only caller, so it would never fire" : "";

	snprintf(why, len, "notrace: %s refused (the kernel's `inline` implies notrace)%s",
		 m == M_FENTRY ? "fentry" : "kprobe", extra);
}

/* Returns true when the candidate can be tried; otherwise fills why. */
static bool candidate_ok(const struct wt_kernel_desc *d, enum wt_event ev,
			 const struct wt_candidate *c, const struct wt_plan_opts *opts,
			 const struct wt_plan *plan, char *why, size_t len)
{
	const struct wt_sym_facts *s;

	if (opts->force_method != M_NONE && !wt_event_is_neighbour(ev) &&
	    c->method != opts->force_method && c->method != M_DERIVED) {
		snprintf(why, len, "not tried: --method %s", wt_method_name(opts->force_method));
		return false;
	}
	if (d->rejected[ev][c->method][0]) {
		snprintf(why, len, "%s", d->rejected[ev][c->method]);
		return false;
	}
	switch (c->method) {
	case M_FENTRY:
	case M_KPROBE:
		s = wt_desc_sym_c(d, c->target);
		if (s && s->in_kallsyms == 0) {
			absent_reason(c->target, why, len);
			return false;
		}
		if (c->method == M_KPROBE && d->kprobes == 0) {
			snprintf(why, len, "kprobes not built into this kernel (CONFIG_KPROBES off)");
			return false;
		}
		if (s && s->traceable == 0) {
			notrace_reason(c->target, c->method, why, len);
			return false;
		}
		if (c->method == M_FENTRY) {
			if (d->fentry_refused) {
				snprintf(why, len, "fentry refused: %s", d->fentry_refused_why);
				return false;
			}
			if (!d->btf) {
				snprintf(why, len, "no kernel BTF: fentry needs it");
				return false;
			}
			if (s && s->btf_func == 0) {
				snprintf(why, len, "no BTF for this function (module built without BTF?)");
				return false;
			}
		}
		return true;
	case M_TRACEPOINT:
		s = wt_desc_sym_c(d, wt_tp_name(c->target));
		if (s && s->tracepoint == 0) {
			snprintf(why, len, "tracepoint missing on this kernel");
			return false;
		}
		return true;
	case M_DERIVED:
		if (ev == EV_WT_BEGIN && plan->ev[EV_WT_END].method == M_NONE &&
		    plan->ev[EV_DIO_COMPLETE].method == M_NONE) {
			snprintf(why, len, "nothing to derive from: no writethrough end or completion hook");
			return false;
		}
		return true;
	default:
		snprintf(why, len, "unknown method");
		return false;
	}
}

static void derived_note(enum wt_event ev, const struct wt_kernel_desc *d, char *note, size_t len)
{
	if (ev == EV_WT_BEGIN)
		snprintf(note, len, "begins derived from completions%s: exact when no writethrough is in flight; in-flight max not measured",
			 d->have_wt_count ? " plus i_wt_count" : "");
	else
		snprintf(note, len, "transitions derived from the stable bit seen at probes%s",
			 d->have_wt_count ? " and i_wt_count crossing zero" : "");
}

static void choose(const struct wt_kernel_desc *d, const struct wt_plan_opts *opts,
		   struct wt_plan *plan, enum wt_event ev)
{
	struct wt_choice *ch = &plan->ev[ev];
	struct wt_candidate c[WT_MAX_CANDIDATES];
	int nc = wt_candidates(ev, opts, c);

	ch->event = ev;
	ch->needed = true;
	for (int i = 0; i < nc; i++) {
		char why[WT_REASON_MAX];

		if (candidate_ok(d, ev, &c[i], opts, plan, why, sizeof(why))) {
			ch->method = c[i].method;
			snprintf(ch->target, sizeof(ch->target), "%s", c[i].target);
			if (c[i].method == M_DERIVED)
				derived_note(ev, d, ch->note, sizeof(ch->note));
			return;
		}
		if (ch->nrejected < WT_MAX_CANDIDATES) {
			ch->rejected[ch->nrejected].method = c[i].method;
			snprintf(ch->rejected[ch->nrejected].target, WT_NAME_MAX, "%s", c[i].target);
			snprintf(ch->rejected[ch->nrejected].reason, WT_REASON_MAX, "%s", why);
			ch->nrejected++;
		}
	}
	{
		/* the most telling reason: the forced method's, else the first */
		const char *why = ch->nrejected ? ch->rejected[0].reason : "no candidate";

		for (int i = 0; i < ch->nrejected; i++)
			if (ch->rejected[i].method == opts->force_method)
				why = ch->rejected[i].reason;
		snprintf(ch->note, sizeof(ch->note), "unavailable: %s", why);
	}
}

static void not_needed(struct wt_plan *plan, enum wt_event ev, const char *why)
{
	plan->ev[ev].event = ev;
	plan->ev[ev].needed = false;
	snprintf(plan->ev[ev].note, sizeof(plan->ev[ev].note), "not needed: %s", why);
}

static const enum wt_event drift_hooks[] = { EV_DIRTY_DIRTIED, EV_DIRTY_CLEANED, EV_DIRTY_CANCELLED, EV_WB_START };
#define NDRIFT (sizeof(drift_hooks) / sizeof(drift_hooks[0]))

/*
 * Drift is judged per folio written through, so it needs writethrough
 * events to know which files to watch, and all four accounting hooks.
 */
static void plan_drift(const struct wt_kernel_desc *d, const struct wt_plan_opts *opts, struct wt_plan *plan)
{
	struct wt_choice *dr = &plan->ev[EV_DIRTY_DRIFT];
	bool wt = plan->ev[EV_WT_END].method != M_NONE || plan->ev[EV_DIO_COMPLETE].method != M_NONE ||
		  plan->ev[EV_WT_WRITE].method != M_NONE;

	dr->event = EV_DIRTY_DRIFT;
	dr->needed = true;
	if (!wt) {
		snprintf(dr->note, WT_REASON_MAX,
			 "unavailable: needs writethrough events (wt_end, dio_complete or wt_write), which this kernel lacks");
		for (size_t i = 0; i < NDRIFT; i++)
			not_needed(plan, drift_hooks[i], "dirty_drift needs writethrough events");
		return;
	}
	for (size_t i = 0; i < NDRIFT; i++) {
		struct wt_choice *c = &plan->ev[drift_hooks[i]];

		choose(d, opts, plan, drift_hooks[i]);
		if (c->method == M_NONE) {
			snprintf(dr->note, WT_REASON_MAX, "unavailable: %s: %s", wt_event_name(drift_hooks[i]), c->note);
			for (size_t j = 0; j < NDRIFT; j++)
				if (j != i)
					not_needed(plan, drift_hooks[j], "dirty_drift is unavailable");
			return;
		}
	}
	dr->method = M_DERIVED;
	snprintf(dr->target, sizeof(dr->target), "dirty-accounting");
	snprintf(dr->note, WT_REASON_MAX,
		 "folios of writethrough files dirtied with accounting that start writeback clean without it");
}

/* Signs of the RFC patch: its field in BTF or its entry point in kallsyms. */
static bool kernel_has_writethrough(const struct wt_kernel_desc *d)
{
	const struct wt_sym_facts *s = wt_desc_sym_c(d, "iomap_file_writethrough_write");

	return d->have_wt_count || (s && s->in_kallsyms == 1);
}

void wt_plan_make(const struct wt_kernel_desc *d, const struct wt_plan_opts *opts, struct wt_plan *plan)
{
	memset(plan, 0, sizeof(*plan));

	choose(d, opts, plan, EV_STABLE_WAIT);
	switch (plan->ev[EV_STABLE_WAIT].method) {
	case M_FENTRY:
	case M_KPROBE:
		snprintf(plan->ev[EV_STABLE_WAIT].note, WT_REASON_MAX,
			 "latency: entry to return of folio_wait_stable");
		choose(d, opts, plan, EV_WAIT_WRITEBACK);
		if (plan->ev[EV_WAIT_WRITEBACK].method != M_NONE)
			snprintf(plan->ev[EV_WAIT_WRITEBACK].note, WT_REASON_MAX,
				 "tells calls that slept from calls that did not; counts other writeback waits (fsync, truncate)");
		not_needed(plan, EV_SCHED_SWITCH, "latency measured at function return");
		break;
	case M_TRACEPOINT:
		snprintf(plan->ev[EV_STABLE_WAIT].note, WT_REASON_MAX,
			 "latency: tracepoint to switch-in (sched_switch); stable waits told from others by kernel stack");
		not_needed(plan, EV_WAIT_WRITEBACK, "it is the stable_wait hook itself");
		choose(d, opts, plan, EV_SCHED_SWITCH);
		if (plan->ev[EV_SCHED_SWITCH].method != M_NONE)
			snprintf(plan->ev[EV_SCHED_SWITCH].note, WT_REASON_MAX,
				 "ends each wait when the waiting task runs again");
		break;
	default:
		not_needed(plan, EV_WAIT_WRITEBACK, "no stable_wait hook");
		not_needed(plan, EV_SCHED_SWITCH, "no stable_wait hook");
		break;
	}
	choose(d, opts, plan, EV_DIRTY_THROTTLE);
	if (plan->ev[EV_DIRTY_THROTTLE].method != M_NONE && d->bdp_nargs != 8 && d->bdp_nargs != 12) {
		plan->ev[EV_DIRTY_THROTTLE].method = M_NONE;
		snprintf(plan->ev[EV_DIRTY_THROTTLE].note, WT_REASON_MAX,
			 "unavailable: balance_dirty_pages has %d arguments here; known layouts have 8 or 12",
			 d->bdp_nargs);
	}
	if (plan->ev[EV_DIRTY_THROTTLE].method != M_NONE) {
		snprintf(plan->ev[EV_DIRTY_THROTTLE].note, WT_REASON_MAX,
			 "latency: tracepoint to switch-in; pauses of 0 are not sleeps");
		if (!plan->ev[EV_SCHED_SWITCH].needed || plan->ev[EV_SCHED_SWITCH].method == M_NONE) {
			memset(&plan->ev[EV_SCHED_SWITCH], 0, sizeof(plan->ev[EV_SCHED_SWITCH]));
			choose(d, opts, plan, EV_SCHED_SWITCH);
		}
		if (plan->ev[EV_SCHED_SWITCH].method == M_NONE) {
			plan->ev[EV_DIRTY_THROTTLE].method = M_NONE;
			snprintf(plan->ev[EV_DIRTY_THROTTLE].note, WT_REASON_MAX,
				 "unavailable: needs sched_switch to time the sleeps");
		} else if (plan->ev[EV_STABLE_WAIT].method != M_TRACEPOINT) {
			snprintf(plan->ev[EV_SCHED_SWITCH].note, WT_REASON_MAX,
				 "ends each dirty-throttle sleep when the task runs again");
		}
	}

	choose(d, opts, plan, EV_WT_END);
	if (plan->ev[EV_WT_END].method != M_NONE)
		not_needed(plan, EV_DIO_COMPLETE, "wt_end is attached");
	else if (!opts->overridden[EV_DIO_COMPLETE] && !kernel_has_writethrough(d))
		/* the flag bit it tests means something else on other kernels */
		not_needed(plan, EV_DIO_COMPLETE, "kernel lacks the writethrough patch");
	else
		choose(d, opts, plan, EV_DIO_COMPLETE);
	if (plan->ev[EV_DIO_COMPLETE].method != M_NONE)
		snprintf(plan->ev[EV_DIO_COMPLETE].note, WT_REASON_MAX,
			 "stands in for wt_end: direct I/O completions carrying the writethrough flag");
	choose(d, opts, plan, EV_WT_BEGIN);
	choose(d, opts, plan, EV_WT_WRITE);
	choose(d, opts, plan, EV_STABLE_SET);
	choose(d, opts, plan, EV_STABLE_CLEAR);
	plan_drift(d, opts, plan);
	/* A set without its clear (or the reverse) would skew stable time. */
	if ((plan->ev[EV_STABLE_SET].method == M_DERIVED) != (plan->ev[EV_STABLE_CLEAR].method == M_DERIVED)) {
		for (int ev = EV_STABLE_SET; ev <= EV_STABLE_CLEAR; ev++) {
			struct wt_choice *ch = &plan->ev[ev];

			if (ch->method == M_DERIVED)
				continue;
			if (ch->nrejected < WT_MAX_CANDIDATES) {
				ch->rejected[ch->nrejected].method = ch->method;
				snprintf(ch->rejected[ch->nrejected].target, WT_NAME_MAX, "%s", ch->target);
				snprintf(ch->rejected[ch->nrejected].reason, WT_REASON_MAX,
					 "its partner has no hook: both derived instead");
				ch->nrejected++;
			}
			ch->method = M_DERIVED;
			snprintf(ch->target, sizeof(ch->target), "stable-bit");
			derived_note(ev, d, ch->note, sizeof(ch->note));
		}
	}
}

static bool has_method(enum wt_event ev, enum wt_method m)
{
	for (int i = 0; i < WT_MAX_CANDIDATES; i++)
		if (defaults[ev][i].method == m)
			return true;
	return false;
}

int wt_parse_probe_spec(const char *spec, struct wt_plan_opts *opts, char *err, size_t errlen)
{
	char ev[64], meth[32];
	const char *eq = strchr(spec, '='), *colon;
	int e, m;
	size_t n;

	if (!eq) {
		snprintf(err, errlen, "--probe '%s': expected EVENT=METHOD:TARGET, e.g. wt_end=kprobe:inode_writethrough_end", spec);
		return -1;
	}
	n = eq - spec;
	if (n == 0 || n >= sizeof(ev)) {
		snprintf(err, errlen, "--probe '%s': missing event name before '='", spec);
		return -1;
	}
	memcpy(ev, spec, n);
	ev[n] = 0;
	e = wt_event_from_name(ev);
	if (e < 0) {
		snprintf(err, errlen, "--probe '%s': unknown event '%s' (see 'wtstat probes')", spec, ev);
		return -1;
	}
	colon = strchr(eq + 1, ':');
	if (!colon) {
		snprintf(err, errlen, "--probe '%s': expected METHOD:TARGET after '='", spec);
		return -1;
	}
	n = colon - (eq + 1);
	if (n == 0 || n >= sizeof(meth)) {
		snprintf(err, errlen, "--probe '%s': missing method (fentry, kprobe or tracepoint)", spec);
		return -1;
	}
	memcpy(meth, eq + 1, n);
	meth[n] = 0;
	m = wt_method_from_name(meth);
	if (m < 0 || m == M_DERIVED) {
		snprintf(err, errlen, "--probe '%s': unknown method '%s' (use fentry, kprobe or tracepoint)", spec, meth);
		return -1;
	}
	if (e == EV_DIRTY_DRIFT) {
		snprintf(err, errlen, "--probe '%s': dirty_drift is derived; override dirty_dirtied, dirty_cleaned, dirty_cancelled or wb_start", spec);
		return -1;
	}
	if (m == M_TRACEPOINT && !has_method(e, M_TRACEPOINT)) {
		snprintf(err, errlen, "--probe '%s': event '%s' has no tracepoint form", spec, ev);
		return -1;
	}
	if (!colon[1] || strlen(colon + 1) >= WT_NAME_MAX) {
		snprintf(err, errlen, "--probe '%s': target must be 1 to %d characters", spec, WT_NAME_MAX - 1);
		return -1;
	}
	for (const char *p = colon + 1; *p; p++) {
		if (!(*p == '_' || *p == '.' || *p == '/' || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
			/* the spec is echoed only when printable: the message stays one line */
			bool printable = true;

			for (const char *q = spec; *q; q++)
				printable &= *q >= 0x20 && *q < 0x7f;
			if (printable)
				snprintf(err, errlen, "--probe '%s': bad character '%c' in target at offset %zu",
					 spec, *p, (size_t)(p - spec));
			else
				snprintf(err, errlen, "--probe: bad character 0x%02x in target at offset %zu (use letters, digits, '_', '.', '/')",
					 (unsigned char)*p, (size_t)(p - spec));
			return -1;
		}
	}
	opts->overridden[e] = true;
	opts->override[e].method = m;
	snprintf(opts->override[e].target, WT_NAME_MAX, "%s", colon + 1);
	return 0;
}
