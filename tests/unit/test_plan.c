// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The attach planner (src/plan.c) over hand-described kernels: which hook
 * each event gets, and the reason every other candidate was passed over.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "testutil.h"

#include "plan.h"

#define assert_contains(hay, needle)                                                   \
	do {                                                                           \
		const char *h_ = (hay), *n_ = (needle);                                \
		if (!strstr(h_, n_))                                                   \
			fail_msg("%s = \"%s\" lacks \"%s\"", #hay, h_, n_);            \
	} while (0)

#define FENTRY_WHY "BPF trampolines not supported on this kernel (-524)"

/* An unpatched 6.x kernel with BTF, kprobes and working fentry. */
static void debian61(struct wt_kernel_desc *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->release, sizeof(d->release), "6.1.0-28-amd64");
	d->btf = true;
	d->kprobes = 1;
	unpatched_symbols(d);
}

/* This host: the same kernel facts, but no kprobe PMU and fentry refused. */
static void this_host(struct wt_kernel_desc *d)
{
	debian61(d);
	d->kprobes = 0;
	d->fentry_refused = true;
	snprintf(d->fentry_refused_why, sizeof(d->fentry_refused_why), FENTRY_WHY);
}

/* A kernel with the RWF_WRITETHROUGH RFC applied. */
static void patched(struct wt_kernel_desc *d, int begin_end_traceable)
{
	debian61(d);
	d->have_wt_count = true;
	sym(d, "inode_writethrough_begin", 1, begin_end_traceable, 1, 0);
	sym(d, "inode_writethrough_end", 1, begin_end_traceable, 1, 0);
	sym(d, "iomap_file_writethrough_write", 1, 1, 1, 0);
}

/* Reason given for rejecting candidate (method) of a choice, or NULL. */
static const char *rejected(const struct wt_choice *c, enum wt_method m)
{
	for (int i = 0; i < c->nrejected; i++)
		if (c->rejected[i].method == m)
			return c->rejected[i].reason;
	return NULL;
}

static void assert_chosen(const struct wt_choice *c, enum wt_method m, const char *target)
{
	if (c->method != m)
		fail_msg("%s: method %s, expected %s (note: %s)", wt_event_name(c->event), wt_method_name(c->method),
			 wt_method_name(m), c->note);
	assert_true(c->needed);
	assert_string_equal(c->target, target);
}

static void assert_not_needed(const struct wt_choice *c, const char *why)
{
	assert_false(c->needed);
	assert_int_equal(c->method, M_NONE);
	assert_contains(c->note, "not needed");
	assert_contains(c->note, why);
}

static struct wt_kernel_desc d;
static struct wt_plan_opts opts;
static struct wt_plan plan;

static int reset(void **state)
{
	memset(&d, 0, sizeof(d));
	memset(&opts, 0, sizeof(opts));
	memset(&plan, 0, sizeof(plan));
	return 0;
}

/* (a) no kprobes, fentry refused, unpatched: only tracepoints work. */
static void test_this_host(void **state)
{
	const struct wt_choice *c;

	this_host(&d);
	wt_plan_make(&d, &opts, &plan);

	c = &plan.ev[EV_STABLE_WAIT];
	assert_chosen(c, M_TRACEPOINT, "writeback/folio_wait_writeback");
	assert_int_equal(c->nrejected, 2);
	assert_int_equal(c->rejected[0].method, M_FENTRY);
	assert_string_equal(c->rejected[0].target, "folio_wait_stable");
	assert_string_equal(c->rejected[0].reason, "fentry refused: " FENTRY_WHY);
	assert_int_equal(c->rejected[1].method, M_KPROBE);
	assert_contains(c->rejected[1].reason, "kprobes not built into this kernel");
	assert_contains(c->note, "switch-in");

	/* the tracepoint path ends waits at sched_switch, and is itself the
	 * writeback-wait hook */
	assert_chosen(&plan.ev[EV_SCHED_SWITCH], M_TRACEPOINT, "sched/sched_switch");
	assert_not_needed(&plan.ev[EV_WAIT_WRITEBACK], "stable_wait hook itself");

	/* writethrough: nothing to hook, and the reasons say why */
	for (int ev = EV_WT_BEGIN; ev <= EV_WT_END; ev++) {
		c = &plan.ev[ev];
		assert_int_equal(c->method, M_NONE);
		assert_true(c->needed);
		assert_contains(c->note, "unavailable");
		assert_contains(c->note, "RWF_WRITETHROUGH patch");
		assert_contains(rejected(c, M_FENTRY), "patch");
		assert_contains(rejected(c, M_KPROBE), "patch");
	}
	assert_contains(rejected(&plan.ev[EV_WT_BEGIN], M_DERIVED), "nothing to derive from");
	assert_int_equal(plan.ev[EV_WT_WRITE].method, M_NONE);
	assert_not_needed(&plan.ev[EV_DIO_COMPLETE], "kernel lacks the writethrough patch");

	/* stable set/clear are static inlines: derived from the stable bit */
	for (int ev = EV_STABLE_SET; ev <= EV_STABLE_CLEAR; ev++) {
		c = &plan.ev[ev];
		assert_chosen(c, M_DERIVED, "stable-bit");
		assert_int_equal(c->nrejected, 2);
		assert_contains(rejected(c, M_FENTRY), "inlined");
		assert_contains(rejected(c, M_KPROBE), "inlined");
		assert_contains(c->note, "derived from the stable bit");
		assert_null(strstr(c->note, "i_wt_count"));	/* no such field here */
	}
}

/* (b) Debian 6.1 VM: fentry works. */
static void test_debian61(void **state)
{
	debian61(&d);
	wt_plan_make(&d, &opts, &plan);

	assert_chosen(&plan.ev[EV_STABLE_WAIT], M_FENTRY, "folio_wait_stable");
	assert_int_equal(plan.ev[EV_STABLE_WAIT].nrejected, 0);
	assert_contains(plan.ev[EV_STABLE_WAIT].note, "entry to return");
	/* function timing: the writeback tracepoint tells sleeps apart,
	 * sched_switch is not used */
	assert_chosen(&plan.ev[EV_WAIT_WRITEBACK], M_TRACEPOINT, "writeback/folio_wait_writeback");
	assert_not_needed(&plan.ev[EV_SCHED_SWITCH], "function return");
	assert_not_needed(&plan.ev[EV_DIO_COMPLETE], "lacks the writethrough patch");
	assert_int_equal(plan.ev[EV_WT_END].method, M_NONE);
	assert_chosen(&plan.ev[EV_STABLE_SET], M_DERIVED, "stable-bit");
}

/* (c) fentry refused but kprobes work: kprobe on the same function. */
static void test_fentry_refused_kprobe_ok(void **state)
{
	debian61(&d);
	d.fentry_refused = true;
	snprintf(d.fentry_refused_why, sizeof(d.fentry_refused_why), FENTRY_WHY);
	wt_plan_make(&d, &opts, &plan);

	assert_chosen(&plan.ev[EV_STABLE_WAIT], M_KPROBE, "folio_wait_stable");
	assert_int_equal(plan.ev[EV_STABLE_WAIT].nrejected, 1);
	assert_string_equal(rejected(&plan.ev[EV_STABLE_WAIT], M_FENTRY), "fentry refused: " FENTRY_WHY);
	assert_chosen(&plan.ev[EV_WAIT_WRITEBACK], M_TRACEPOINT, "writeback/folio_wait_writeback");
	assert_not_needed(&plan.ev[EV_SCHED_SWITCH], "function return");
}

/* (d) RFC v1: begin/end exist but are notrace; completions stand in. */
static void test_patched_notrace(void **state)
{
	const struct wt_choice *c;

	patched(&d, 0);
	wt_plan_make(&d, &opts, &plan);

	c = &plan.ev[EV_WT_END];
	assert_int_equal(c->method, M_NONE);
	assert_contains(c->note, "unavailable");
	assert_contains(c->note, "notrace");
	assert_contains(rejected(c, M_FENTRY), "notrace: fentry refused");
	assert_contains(rejected(c, M_KPROBE), "notrace: kprobe refused");
	/* end is not said to be inlined: only begin is */
	assert_null(strstr(rejected(c, M_FENTRY), "inlines"));

	assert_chosen(&plan.ev[EV_DIO_COMPLETE], M_FENTRY, "iomap_dio_complete");
	assert_contains(plan.ev[EV_DIO_COMPLETE].note, "stands in for wt_end");

	c = &plan.ev[EV_WT_BEGIN];
	assert_chosen(c, M_DERIVED, "completions+i_wt_count");
	assert_contains(c->note, "plus i_wt_count");
	assert_int_equal(c->nrejected, 2);
	assert_contains(rejected(c, M_FENTRY), "notrace");
	assert_contains(rejected(c, M_FENTRY), "inlines it into its only caller");
	assert_contains(rejected(c, M_KPROBE), "inlines it into its only caller");

	assert_chosen(&plan.ev[EV_WT_WRITE], M_FENTRY, "iomap_file_writethrough_write");
	assert_contains(plan.ev[EV_STABLE_SET].note, "i_wt_count crossing zero");
}

/* (e) a patched kernel with traceable begin/end: direct hooks. */
static void test_patched_traceable(void **state)
{
	patched(&d, 1);
	wt_plan_make(&d, &opts, &plan);

	assert_chosen(&plan.ev[EV_WT_BEGIN], M_FENTRY, "inode_writethrough_begin");
	assert_chosen(&plan.ev[EV_WT_END], M_FENTRY, "inode_writethrough_end");
	assert_int_equal(plan.ev[EV_WT_BEGIN].nrejected, 0);
	assert_not_needed(&plan.ev[EV_DIO_COMPLETE], "wt_end is attached");
	assert_chosen(&plan.ev[EV_WT_WRITE], M_FENTRY, "iomap_file_writethrough_write");
}

/* (f) --method kprobe: every main event skips fentry, neighbours do not. */
static void test_force_kprobe(void **state)
{
	const struct wt_choice *c;

	debian61(&d);
	opts.force_method = M_KPROBE;
	wt_plan_make(&d, &opts, &plan);

	c = &plan.ev[EV_STABLE_WAIT];
	assert_chosen(c, M_KPROBE, "folio_wait_stable");
	assert_int_equal(c->nrejected, 1);
	assert_string_equal(rejected(c, M_FENTRY), "not tried: --method kprobe");
	/* neighbour hooks are not forced */
	assert_chosen(&plan.ev[EV_WAIT_WRITEBACK], M_TRACEPOINT, "writeback/folio_wait_writeback");
	assert_int_equal(plan.ev[EV_WAIT_WRITEBACK].nrejected, 0);
	/* derived stays allowed; the kprobe is rejected for its own reason */
	c = &plan.ev[EV_STABLE_SET];
	assert_chosen(c, M_DERIVED, "stable-bit");
	assert_string_equal(rejected(c, M_FENTRY), "not tried: --method kprobe");
	assert_contains(rejected(c, M_KPROBE), "inlined");
	/* an unavailable event explains itself by the forced method's reason */
	c = &plan.ev[EV_WT_END];
	assert_int_equal(c->method, M_NONE);
	assert_string_equal(rejected(c, M_FENTRY), "not tried: --method kprobe");
	assert_contains(c->note, "unavailable: symbol absent");
	assert_null(strstr(c->note, "not tried"));

	/* on a patched kernel the wt_write neighbour keeps fentry */
	reset(NULL);
	patched(&d, 1);
	opts.force_method = M_KPROBE;
	wt_plan_make(&d, &opts, &plan);
	assert_chosen(&plan.ev[EV_WT_END], M_KPROBE, "inode_writethrough_end");
	assert_chosen(&plan.ev[EV_WT_WRITE], M_FENTRY, "iomap_file_writethrough_write");
}

/* (g) --probe replaces an event's whole candidate list. */
static void test_override(void **state)
{
	struct wt_candidate c[WT_MAX_CANDIDATES];
	char err[256] = "";

	assert_int_equal(wt_parse_probe_spec("wt_end=kprobe:my_end", &opts, err, sizeof(err)), 0);
	assert_int_equal(wt_candidates(EV_WT_END, &opts, c), 1);
	assert_int_equal(c[0].method, M_KPROBE);
	assert_string_equal(c[0].target, "my_end");
	/* other events keep their defaults */
	assert_int_equal(wt_candidates(EV_STABLE_WAIT, &opts, c), 3);
	assert_int_equal(wt_candidates(EV_WT_BEGIN, NULL, c), 3);

	/* nothing known about my_end: it is tried */
	debian61(&d);
	wt_plan_make(&d, &opts, &plan);
	assert_chosen(&plan.ev[EV_WT_END], M_KPROBE, "my_end");
	assert_int_equal(plan.ev[EV_WT_END].nrejected, 0);
	assert_not_needed(&plan.ev[EV_DIO_COMPLETE], "wt_end is attached");
	/* wt_begin can now be derived from the ends */
	assert_chosen(&plan.ev[EV_WT_BEGIN], M_DERIVED, "completions+i_wt_count");

	/* known absent: the only candidate is rejected, with the generic reason */
	sym(&d, "my_end", 0, 0, 0, 0);
	wt_plan_make(&d, &opts, &plan);
	assert_int_equal(plan.ev[EV_WT_END].method, M_NONE);
	assert_int_equal(plan.ev[EV_WT_END].nrejected, 1);
	assert_string_equal(plan.ev[EV_WT_END].rejected[0].target, "my_end");
	assert_string_equal(plan.ev[EV_WT_END].rejected[0].reason, "symbol absent from /proc/kallsyms");
}

/* (h) a refusal learnt at load/attach time is fed back and respected. */
static void test_rejected_feedback(void **state)
{
	debian61(&d);
	snprintf(d.rejected[EV_STABLE_WAIT][M_FENTRY], WT_REASON_MAX, "attach failed: Invalid argument");
	wt_plan_make(&d, &opts, &plan);

	assert_chosen(&plan.ev[EV_STABLE_WAIT], M_KPROBE, "folio_wait_stable");
	assert_int_equal(plan.ev[EV_STABLE_WAIT].nrejected, 1);
	assert_int_equal(plan.ev[EV_STABLE_WAIT].rejected[0].method, M_FENTRY);
	assert_string_equal(plan.ev[EV_STABLE_WAIT].rejected[0].reason, "attach failed: Invalid argument");
	/* the rest of the plan follows from the kprobe choice as usual */
	assert_chosen(&plan.ev[EV_WAIT_WRITEBACK], M_TRACEPOINT, "writeback/folio_wait_writeback");
	/* the refusal was for stable_wait only: the same method elsewhere is fine */
	sym(&d, "mapping_set_stable_writes", 1, 1, 1, 0);
	sym(&d, "mapping_clear_stable_writes", 1, 1, 1, 0);
	wt_plan_make(&d, &opts, &plan);
	assert_chosen(&plan.ev[EV_STABLE_SET], M_FENTRY, "mapping_set_stable_writes");
}

/* (i) a set hook without a clear hook would skew stable time: both derived. */
static void test_partner_rule(void **state)
{
	const struct wt_choice *set, *clear;

	debian61(&d);
	sym(&d, "mapping_set_stable_writes", 1, 1, 1, 0);	/* say it were out of line */
	wt_plan_make(&d, &opts, &plan);

	set = &plan.ev[EV_STABLE_SET];
	clear = &plan.ev[EV_STABLE_CLEAR];
	assert_chosen(set, M_DERIVED, "stable-bit");
	assert_chosen(clear, M_DERIVED, "stable-bit");
	assert_int_equal(set->nrejected, 1);
	assert_int_equal(set->rejected[0].method, M_FENTRY);
	assert_string_equal(set->rejected[0].target, "mapping_set_stable_writes");
	assert_string_equal(set->rejected[0].reason, "its partner has no hook: both derived instead");
	assert_contains(set->note, "derived from the stable bit");
	assert_contains(rejected(clear, M_FENTRY), "inlined");

	/* both present: both hooked */
	sym(&d, "mapping_clear_stable_writes", 1, 1, 1, 0);
	wt_plan_make(&d, &opts, &plan);
	assert_chosen(&plan.ev[EV_STABLE_SET], M_FENTRY, "mapping_set_stable_writes");
	assert_chosen(&plan.ev[EV_STABLE_CLEAR], M_FENTRY, "mapping_clear_stable_writes");
}

static int count_name(char names[][WT_NAME_MAX], int n, const char *name)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		k += !strcmp(names[i], name);
	return k;
}

/* (j) the names kernel_desc must gather facts for: every hook target once. */
static void test_plan_names(void **state)
{
	static const char *const expect[] = {
		"folio_wait_stable", "folio_wait_writeback", "inode_writethrough_begin",
		"inode_writethrough_end", "mapping_set_stable_writes", "mapping_clear_stable_writes",
		"sched_switch", "iomap_dio_complete", "iomap_file_writethrough_write",
		"balance_dirty_pages", "writeback_dirty_folio", "folio_clear_dirty_for_io",
		"folio_account_cleaned", "__folio_start_writeback",
	};
	char names[WT_MAX_SYMS][WT_NAME_MAX];
	int n = wt_plan_names(&opts, names, WT_MAX_SYMS);

	assert_int_equal(n, sizeof(expect) / sizeof(expect[0]));
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
		if (count_name(names, n, expect[i]) != 1)
			fail_msg("%s listed %d times", expect[i], count_name(names, n, expect[i]));
	/* derived targets are not symbols; tracepoints are listed by bare name */
	assert_int_equal(count_name(names, n, "stable-bit"), 0);
	assert_int_equal(count_name(names, n, "completions+i_wt_count"), 0);
	assert_int_equal(count_name(names, n, "writeback/folio_wait_writeback"), 0);

	/* an override's target replaces the default one */
	assert_int_equal(wt_parse_probe_spec("wt_end=kprobe:my_end", &opts, (char[128]){ 0 }, 128), 0);
	n = wt_plan_names(&opts, names, WT_MAX_SYMS);
	assert_int_equal(count_name(names, n, "my_end"), 1);
	assert_int_equal(count_name(names, n, "inode_writethrough_end"), 0);
	assert_int_equal(n, 14);

	/* the caller's array size is respected */
	assert_int_equal(wt_plan_names(&opts, names, 4), 4);
}

/* Names and parsing agree, and "none"/unknown names are refused. */
static void test_names_round_trip(void **state)
{
	for (int ev = 0; ev < EV_COUNT; ev++)
		assert_int_equal(wt_event_from_name(wt_event_name(ev)), ev);
	for (int m = M_FENTRY; m < M_COUNT; m++)
		assert_int_equal(wt_method_from_name(wt_method_name(m)), m);
	assert_int_equal(wt_method_from_name("none"), -1);
	assert_int_equal(wt_event_from_name("bogus"), -1);
	assert_string_equal(wt_event_name(EV_COUNT), "?");
	assert_false(wt_event_is_neighbour(EV_STABLE_CLEAR));
	assert_true(wt_event_is_neighbour(EV_WAIT_WRITEBACK));
	assert_true(wt_event_is_neighbour(EV_WT_WRITE));
}

/* wt_desc_sym adds unknown facts (-1) once, and finds them again. */
static void test_desc_sym(void **state)
{
	struct wt_sym_facts *s = wt_desc_sym(&d, "foo");

	assert_non_null(s);
	assert_int_equal(d.nsyms, 1);
	assert_int_equal(s->in_kallsyms, -1);
	assert_int_equal(s->traceable, -1);
	assert_int_equal(s->btf_func, -1);
	assert_int_equal(s->tracepoint, -1);
	assert_ptr_equal(wt_desc_sym(&d, "foo"), s);
	assert_ptr_equal(wt_desc_sym_c(&d, "foo"), s);
	assert_null(wt_desc_sym_c(&d, "bar"));
	assert_int_equal(d.nsyms, 1);
	for (int i = 1; i < WT_MAX_SYMS; i++) {
		char name[16];

		snprintf(name, sizeof(name), "f%d", i);
		assert_non_null(wt_desc_sym(&d, name));
	}
	assert_null(wt_desc_sym(&d, "one_too_many"));	/* full: NULL, no overflow */
	assert_int_equal(d.nsyms, WT_MAX_SYMS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_this_host, reset),
		cmocka_unit_test_setup(test_debian61, reset),
		cmocka_unit_test_setup(test_fentry_refused_kprobe_ok, reset),
		cmocka_unit_test_setup(test_patched_notrace, reset),
		cmocka_unit_test_setup(test_patched_traceable, reset),
		cmocka_unit_test_setup(test_force_kprobe, reset),
		cmocka_unit_test_setup(test_override, reset),
		cmocka_unit_test_setup(test_rejected_feedback, reset),
		cmocka_unit_test_setup(test_partner_rule, reset),
		cmocka_unit_test_setup(test_plan_names, reset),
		cmocka_unit_test_setup(test_names_round_trip, reset),
		cmocka_unit_test_setup(test_desc_sym, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
