// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "attach.h"
#include "kernel_desc.h"
#include "wtstat.skel.h"

/* Which BPF programs serve an event attached by a method. */
static const struct prog_ref {
	enum wt_event ev;
	enum wt_method m;
	const char *prog;
	bool ret;		/* return probe of the same function */
} progs[] = {
	{ EV_STABLE_WAIT, M_FENTRY, "fentry_wait_stable", false },
	{ EV_STABLE_WAIT, M_FENTRY, "fexit_wait_stable", true },
	{ EV_STABLE_WAIT, M_KPROBE, "kprobe_wait_stable", false },
	{ EV_STABLE_WAIT, M_KPROBE, "kretprobe_wait_stable", true },
	{ EV_STABLE_WAIT, M_TRACEPOINT, "tp_folio_wait_writeback", false },
	{ EV_WAIT_WRITEBACK, M_TRACEPOINT, "tp_folio_wait_writeback", false },
	{ EV_SCHED_SWITCH, M_TRACEPOINT, "tp_sched_switch", false },
	{ EV_WT_BEGIN, M_FENTRY, "fentry_wt_begin", false },
	{ EV_WT_BEGIN, M_KPROBE, "kprobe_wt_begin", false },
	{ EV_WT_END, M_FENTRY, "fexit_wt_end", true },
	{ EV_WT_END, M_KPROBE, "kprobe_wt_end", false },
	{ EV_WT_END, M_KPROBE, "kretprobe_wt_end", true },
	{ EV_DIO_COMPLETE, M_FENTRY, "fexit_dio_complete", true },
	{ EV_DIO_COMPLETE, M_KPROBE, "kprobe_dio_complete", false },
	{ EV_DIO_COMPLETE, M_KPROBE, "kretprobe_dio_complete", true },
	{ EV_WT_WRITE, M_FENTRY, "fentry_wt_write", false },
	{ EV_WT_WRITE, M_FENTRY, "fexit_wt_write", true },
	{ EV_WT_WRITE, M_KPROBE, "kprobe_wt_write", false },
	{ EV_WT_WRITE, M_KPROBE, "kretprobe_wt_write", true },
	{ EV_DIRTY_THROTTLE, M_TRACEPOINT, "tp_bdp_args8", false },
	{ EV_DIRTY_THROTTLE, M_TRACEPOINT, "tp_bdp_args12", false },
	{ EV_DIRTY_DIRTIED, M_TRACEPOINT, "tp_dirty_folio", false },
	{ EV_DIRTY_CLEANED, M_FENTRY, "fentry_clear_dirty", false },
	{ EV_DIRTY_CLEANED, M_KPROBE, "kprobe_clear_dirty", false },
	{ EV_DIRTY_CANCELLED, M_FENTRY, "fentry_account_cleaned", false },
	{ EV_DIRTY_CANCELLED, M_KPROBE, "kprobe_account_cleaned", false },
	{ EV_WB_START, M_FENTRY, "fentry_wb_start", false },
	{ EV_WB_START, M_KPROBE, "kprobe_wb_start", false },
	{ EV_STABLE_SET, M_FENTRY, "fentry_stable_set", false },
	{ EV_STABLE_SET, M_KPROBE, "kprobe_stable_set", false },
	{ EV_STABLE_CLEAR, M_FENTRY, "fentry_stable_clear", false },
	{ EV_STABLE_CLEAR, M_KPROBE, "kprobe_stable_clear", false },
};

#define NPROGS (sizeof(progs) / sizeof(progs[0]))

static bool log_verbose;
static char last_failed_prog[128];

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[1024];
	const char *p;
	va_list copy;

	va_copy(copy, ap);
	vsnprintf(msg, sizeof(msg), fmt, copy);
	va_end(copy);
	/* libbpf names the program whose load failed: "prog 'x': ..." */
	if (level == LIBBPF_WARN && (p = strstr(msg, "prog '"))) {
		const char *q = strchr(p + 6, '\'');

		if (q && strstr(msg, "fail")) {
			size_t n = q - (p + 6);

			if (n < sizeof(last_failed_prog)) {
				memcpy(last_failed_prog, p + 6, n);
				last_failed_prog[n] = 0;
			}
		}
	}
	if (log_verbose)	/* verifier logs are long: no fixed buffer */
		vfprintf(stderr, fmt, ap);
	return 0;
}

void wt_libbpf_log_setup(bool verbose)
{
	log_verbose = verbose;
	libbpf_set_print(libbpf_log);
}

void wt_row_table_size(struct wtstat_bpf *skel, __u32 max)
{
	bpf_map__set_max_entries(skel->maps.mapping_rows, max);
	bpf_map__set_max_entries(skel->maps.mapping_slots, max);
	skel->rodata->mapping_rows_max = max;
}

int wt_row_table_map_skel(struct wt_row_table *t, const struct wtstat_bpf *skel, bool writable)
{
	return wt_row_table_map(t, bpf_map__fd(skel->maps.mapping_rows), bpf_map__fd(skel->maps.mapping_claims),
				writable);
}

int wt_tracer_plan(struct wt_tracer *t, const struct wt_config *cfg, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	if (wt_kernel_describe(&t->desc, &cfg->plan, cfg->btf_path, err, errlen))
		return -1;
	wt_plan_make(&t->desc, &cfg->plan, &t->plan);
	return 0;
}

static bool uses(const struct wt_tracer *t, const struct prog_ref *r)
{
	const struct wt_choice *c = &t->plan.ev[r->ev];

	/* one program per layout of the balance_dirty_pages arguments */
	if (!strcmp(r->prog, "tp_bdp_args8") && t->desc.bdp_nargs != 8)
		return false;
	if (!strcmp(r->prog, "tp_bdp_args12") && t->desc.bdp_nargs != 12)
		return false;
	return c->needed && c->method == r->m;
}

static void set_rodata(struct wt_tracer *t, const struct wt_config *cfg)
{
	struct wtstat_bpf__rodata *ro = t->skel->rodata;
	const struct wt_plan *p = &t->plan;
	enum wt_method sw = p->ev[EV_STABLE_WAIT].method;

	ro->wait_mode = sw == M_TRACEPOINT ? WT_WAIT_TRACEPOINT
		      : (sw == M_FENTRY || sw == M_KPROBE) ? WT_WAIT_FUNC : WT_WAIT_NONE;
	ro->wait_tp_in_func = p->ev[EV_WAIT_WRITEBACK].needed &&
			      p->ev[EV_WAIT_WRITEBACK].method == M_TRACEPOINT;
	ro->begin_exact = p->ev[EV_WT_BEGIN].method == M_FENTRY || p->ev[EV_WT_BEGIN].method == M_KPROBE;
	ro->stable_hooks = p->ev[EV_STABLE_SET].method == M_FENTRY || p->ev[EV_STABLE_SET].method == M_KPROBE;
	ro->throttle_on = p->ev[EV_DIRTY_THROTTLE].method == M_TRACEPOINT;
	ro->drift_on = p->ev[EV_DIRTY_DRIFT].method == M_DERIVED;
	if (cfg->task_slots)
		ro->task_slot_mask = cfg->task_slots - 1;
	ro->filter_tgid = cfg->filter_tgid;
	ro->filter_dev = cfg->filter_dev;
	ro->filter_ino = cfg->filter_ino;
	if (cfg->filter_comm[0]) {
		ro->filter_comm_set = true;
		memcpy((char *)ro->filter_comm, cfg->filter_comm, sizeof(ro->filter_comm));
	}
	if (ro->wait_mode == WT_WAIT_TRACEPOINT) {
		struct wt_caller_range r[WT_MAX_CALLERS];

		t->nr_callers = wt_stable_caller_ranges(r, WT_MAX_CALLERS, (struct wt_caller_range *)&ro->waiter);
		memcpy((void *)ro->callers, r, sizeof(r[0]) * t->nr_callers);
		ro->nr_callers = t->nr_callers;
	}
}

static const struct prog_ref *ref_of(const char *prog_name, const struct wt_tracer *t)
{
	for (size_t i = 0; i < NPROGS; i++)
		if (!strcmp(progs[i].prog, prog_name) && uses(t, &progs[i]))
			return &progs[i];
	return NULL;
}

static void reject(struct wt_tracer *t, enum wt_event ev, enum wt_method m, const char *fmt, int err)
{
	snprintf(t->desc.rejected[ev][m], WT_REASON_MAX, fmt, strerror(err));
}

/* Load failed: blame the program libbpf named, or the fentry programs. */
static int blame_load_failure(struct wt_tracer *t, int err)
{
	const struct prog_ref *r = last_failed_prog[0] ? ref_of(last_failed_prog, t) : NULL;

	if (r && r->m == M_FENTRY && (err == EPERM || err == EACCES || err == EOPNOTSUPP)) {
		t->desc.fentry_refused = true;
		snprintf(t->desc.fentry_refused_why, WT_REASON_MAX,
			 "kernel refuses fentry/fexit programs (load: %s)", strerror(err));
		return 0;
	}
	if (r) {
		reject(t, r->ev, r->m, "verifier or kernel refused the program (load: %s)", err);
		return 0;
	}
	for (size_t i = 0; i < NPROGS; i++) {
		if (uses(t, &progs[i]) && progs[i].m == M_FENTRY) {
			t->desc.fentry_refused = true;
			snprintf(t->desc.fentry_refused_why, WT_REASON_MAX,
				 "kernel refuses fentry/fexit programs (load: %s)", strerror(err));
			return 0;
		}
	}
	return -1;
}

static struct bpf_link *attach_one(const struct prog_ref *r, struct bpf_program *prog, const char *target)
{
	switch (r->m) {
	case M_FENTRY:
		return bpf_program__attach_trace(prog);
	case M_KPROBE:
		return bpf_program__attach_kprobe(prog, r->ret, target);
	case M_TRACEPOINT:
		return bpf_program__attach_raw_tracepoint(prog, wt_tp_name(target));
	default:
		errno = EINVAL;
		return NULL;
	}
}

static void close_all(struct wt_tracer *t)
{
	for (int i = 0; i < t->nlinks; i++)
		bpf_link__destroy(t->links[i]);
	t->nlinks = 0;
	memset(t->attached, 0, sizeof(t->attached));
	wt_row_table_unmap(&t->table);
	wtstat_bpf__destroy(t->skel);
	t->skel = NULL;
}

/* One attempt: 0 done, 1 retry with a new plan, -1 give up. */
static int try_once(struct wt_tracer *t, const struct wt_config *cfg, char *err, size_t errlen)
{
	struct bpf_program *prog;
	int e;

	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = cfg->btf_path);

	t->skel = wtstat_bpf__open_opts(&oo);
	if (!t->skel) {
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(errno));
		return -1;
	}
	set_rodata(t, cfg);
	/* without CAP_SYSLOG /proc/kallsyms reads as zeros: every wait would
	 * silently count as "other" */
	if (t->skel->rodata->wait_mode == WT_WAIT_TRACEPOINT && t->nr_callers == 0) {
		snprintf(err, errlen, "cannot tell stable waits from other writeback waits: /proc/kallsyms shows "
			 "this process no addresses: run as root, e.g. with sudo, or grant CAP_SYSLOG as well");
		close_all(t);
		return -1;
	}
	if (cfg->max_mappings)
		wt_row_table_size(t->skel, cfg->max_mappings);
	if (cfg->max_procs)
		bpf_map__set_max_entries(t->skel->maps.procs, cfg->max_procs);
	bpf_object__for_each_program(prog, t->skel->obj)
		bpf_program__set_autoload(prog, false);
	for (size_t i = 0; i < NPROGS; i++) {
		const struct wt_choice *c = &t->plan.ev[progs[i].ev];

		if (!uses(t, &progs[i]))
			continue;
		prog = bpf_object__find_program_by_name(t->skel->obj, progs[i].prog);
		bpf_program__set_autoload(prog, true);
		if (progs[i].m == M_FENTRY && bpf_program__set_attach_target(prog, 0, c->target)) {
			reject(t, progs[i].ev, M_FENTRY, "no BTF attach target (%s)", errno);
			close_all(t);
			return 1;
		}
	}
	last_failed_prog[0] = 0;
	e = wtstat_bpf__load(t->skel);
	if (e) {
		e = -e;
		if (blame_load_failure(t, e)) {
			snprintf(err, errlen, "loading the BPF programs failed: %s (run with -v for the verifier log)",
				 strerror(e));
			close_all(t);
			return -1;
		}
		close_all(t);
		return 1;
	}
	e = wt_row_table_map_skel(&t->table, t->skel, false);
	if (e) {
		snprintf(err, errlen, "cannot map the per-file table into memory: %s", strerror(-e));
		close_all(t);
		return -1;
	}
	for (size_t i = 0; i < NPROGS; i++) {
		const struct wt_choice *c = &t->plan.ev[progs[i].ev];
		struct bpf_link *link;

		if (!uses(t, &progs[i]))
			continue;
		prog = bpf_object__find_program_by_name(t->skel->obj, progs[i].prog);
		link = attach_one(&progs[i], prog, c->target);
		if (!link) {
			e = errno;
			reject(t, progs[i].ev, progs[i].m,
			       e == EINVAL && progs[i].m == M_KPROBE
			       ? "attach refused (%s): notrace or not a function entry"
			       : "attach failed: %s", e);
			close_all(t);
			return 1;
		}
		t->links[t->nlinks++] = link;
		t->attached[progs[i].ev] = true;
	}
	return 0;
}

int wt_tracer_start(struct wt_tracer *t, const struct wt_config *cfg, char *err, size_t errlen)
{
	if (wt_tracer_plan(t, cfg, err, errlen))
		return -1;
	/* each retry rejects at least one candidate, so this terminates */
	for (t->attempts = 1; t->attempts <= EV_COUNT * WT_MAX_CANDIDATES; t->attempts++) {
		int r = try_once(t, cfg, err, errlen);

		if (r < 0)
			return r;
		if (r == 0 && t->nlinks == 0) {
			const struct wt_choice *c = &t->plan.ev[EV_STABLE_WAIT];
			const char *why = c->nrejected ? c->rejected[0].reason : c->note;

			for (int i = 0; i < c->nrejected; i++)
				if (c->rejected[i].method == cfg->plan.force_method)
					why = c->rejected[i].reason;
			snprintf(err, errlen, "no hook could be attached (stable_wait: %s): see 'wtstat probes'%s",
				 why, cfg->plan.force_method ? ", or drop --method" : "");
			wt_tracer_stop(t);
			return WT_NOTHING_ATTACHED;
		}
		if (r == 0)
			return 0;
		wt_plan_make(&t->desc, &cfg->plan, &t->plan);
	}
	snprintf(err, errlen, "could not settle on a set of hooks after %d attempts", t->attempts);
	return -1;
}

void wt_tracer_stop(struct wt_tracer *t)
{
	if (t->skel)
		close_all(t);
}
