// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Interval deltas of two map snapshots and the report order
 * (src/snapshot.c), on synthetic snapshots: no BPF maps involved.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "testutil.h"

#include "hist.h"
#include "rowtable.h"
#include "snapshot.h"

#define SEC 1000000000ULL

static struct wt_mapping_row *add_map(struct wt_snapshot *s, unsigned major, unsigned minor, __u64 ino)
{
	struct wt_mapping_row *r;

	s->maps = realloc(s->maps, (s->nmaps + 1) * sizeof(*s->maps));
	assert_non_null(s->maps);
	r = &s->maps[s->nmaps++];
	memset(r, 0, sizeof(*r));
	r->key.dev = wt_dev_make(major, minor);
	r->key.ino = ino;
	return r;
}

static struct wt_proc_row *add_proc(struct wt_snapshot *s, __u32 pid, const char *comm)
{
	struct wt_proc_row *r;

	s->procs = realloc(s->procs, (s->nprocs + 1) * sizeof(*s->procs));
	assert_non_null(s->procs);
	r = &s->procs[s->nprocs++];
	memset(r, 0, sizeof(*r));
	r->pid = pid;
	strncpy(r->s.comm, comm, sizeof(r->s.comm) - 1);
	return r;
}

static struct wt_dev_row *add_dev(struct wt_snapshot *s, __u32 dev)
{
	struct wt_dev_row *r;

	s->devs = realloc(s->devs, (s->ndevs + 1) * sizeof(*s->devs));
	assert_non_null(s->devs);
	r = &s->devs[s->ndevs++];
	memset(r, 0, sizeof(*r));
	r->dev = dev;
	return r;
}

static const struct wt_mapping_row *find_map(const struct wt_snapshot *s, unsigned major, unsigned minor,
					     __u64 ino)
{
	for (size_t i = 0; i < s->nmaps; i++)
		if (s->maps[i].key.dev == wt_dev_make(major, minor) && s->maps[i].key.ino == ino)
			return &s->maps[i];
	fail_msg("mapping %u:%u/%llu missing", major, minor, (unsigned long long)ino);
	return NULL;
}

static const struct wt_proc_row *find_proc(const struct wt_snapshot *s, __u32 pid)
{
	for (size_t i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == pid)
			return &s->procs[i];
	fail_msg("pid %u missing", pid);
	return NULL;
}

static const struct wt_dev_row *find_dev(const struct wt_snapshot *s, __u32 dev)
{
	for (size_t i = 0; i < s->ndevs; i++)
		if (s->devs[i].dev == dev)
			return &s->devs[i];
	fail_msg("dev %u missing", dev);
	return NULL;
}

/*
 * The per-file table as the BPF side leaves it: a slot is claimed, then
 * filled, then shown by setting first_seen_ns; claims go on past the last
 * slot once the table is full. Only claimed, shown slots are rows.
 */
static void test_read_rows_of_the_table(void **state)
{
	struct wt_mapping_row slots[6] = {};
	__u64 claims = 4;
	struct wt_row_table t = { .rows = slots, .claims = &claims, .max = 6, .nmapped = 6, .rows_fd = -1 };
	struct wt_snapshot s = {};

	for (int i = 0; i < 6; i++) {
		slots[i].key.dev = wt_dev_make(7, 0);
		slots[i].key.ino = 100 + i;
		slots[i].s.first_seen_ns = 1000 + i;
		slots[i].s.wait.count = i;
	}
	slots[1].s.first_seen_ns = 0;	/* claimed, not yet shown (or lost a race for its key) */
	assert_int_equal(wt_snapshot_read_rows(&s, &t), 0);
	assert_int_equal(s.nmaps, 3);
	assert_int_equal(s.maps[0].key.ino, 100);
	assert_int_equal(s.maps[1].key.ino, 102);
	assert_int_equal(s.maps[2].key.ino, 103);
	assert_int_equal(s.maps[2].s.wait.count, 3);

	claims = 50;	/* full: 44 claims failed, every slot is used */
	assert_int_equal(wt_snapshot_read_rows(&s, &t), 0);
	assert_int_equal(s.nmaps, 5);
	assert_int_equal(s.maps[4].key.ino, 105);

	claims = 0;
	assert_int_equal(wt_snapshot_read_rows(&s, &t), 0);
	assert_int_equal(s.nmaps, 0);
	wt_snapshot_free(&s);
}

static void test_dev_encoding(void **state)
{
	/* the kernel's dev_t, not glibc's: 12-bit major, 20-bit minor */
	__u32 d = wt_dev_make(259, 0x12345);

	assert_int_equal(d, (259u << 20) | 0x12345);
	assert_int_equal(wt_dev_major(d), 259);
	assert_int_equal(wt_dev_minor(d), 0x12345);
	assert_int_equal(wt_dev_major(wt_dev_make(4095, 0xfffff)), 4095);
	assert_int_equal(wt_dev_minor(wt_dev_make(4095, 0xfffff)), 0xfffff);
}

static void test_stable_time(void **state)
{
	struct wt_mapping_stats s = { 0 };

	/* closed intervals only */
	s.stable_ns = 40;
	assert_int_equal(wt_stable_time_ns(&s, 1000), 40);
	/* an open interval since 900 adds now - since */
	s.stable_since_ns = 900;
	assert_int_equal(wt_stable_time_ns(&s, 1000), 140);
	/* a "now" before since (snapshot raced the probe) adds nothing */
	assert_int_equal(wt_stable_time_ns(&s, 800), 40);
	assert_int_equal(wt_stable_time_ns(&s, 900), 40);
}

/*
 * prev at t=1s, cur at t=3s. Keys are given in different orders in the two
 * snapshots, and two keys share an inode number on different devices.
 */
static struct wt_snapshot prev, cur, out;

static int make_snapshots(void **state)
{
	struct wt_mapping_row *m;
	struct wt_proc_row *p;
	struct wt_dev_row *dv;

	memset(&prev, 0, sizeof(prev));
	memset(&cur, 0, sizeof(cur));
	memset(&out, 0, sizeof(out));
	prev.mono_ns = 1 * SEC;
	cur.mono_ns = 3 * SEC;
	prev.pending = 4;
	cur.pending = 1;

	/* prev order: C, A, B (key order would be B, A, C) */
	m = add_map(&prev, 259, 0, 100);		/* C: gone by cur */
	hist_put(&m->s.wait, 50);
	m = add_map(&prev, 8, 16, 100);			/* A */
	hist_put(&m->s.wait, 1500);
	hist_put(&m->s.wait, 1500);
	m->s.other_waits = 1;
	m->s.wt_begun = 5;
	m->s.wt_ended = 4;
	m->s.inflight = 1;
	m->s.inflight_max = 2;
	m->s.kernel_wt_count = 1;
	m->s.wt_write_calls = 5;
	m->s.stable_sets = 1;
	m->s.stable_ns = 100;
	m->s.stable_since_ns = SEC / 2;		/* stable since t=0.5s, still open */
	m = add_map(&prev, 8, 16, 7);			/* B */
	hist_put(&m->s.wait, 20);
	m->s.stable_ns = 50;
	m->s.inflight_max = 1;

	/* cur order: B, D, A */
	m = add_map(&cur, 8, 16, 7);			/* B: became stable at t=2s */
	hist_put(&m->s.wait, 20);
	hist_put(&m->s.wait, 40);
	m->s.stable_ns = 50;
	m->s.stable_since_ns = 2 * SEC;
	m->s.inflight = 2;
	m->s.inflight_max = 3;
	m->s.kernel_wt_count = -1;
	m = add_map(&cur, 259, 0, 7);			/* D: new; B's inode on another device */
	hist_put(&m->s.wait, 3000);
	m->s.wt_begun = 2;
	m->s.stable_sets = 1;
	m->s.stable_ns = 7;
	m->s.stable_since_ns = 5 * SEC / 2;		/* open since t=2.5s */
	m = add_map(&cur, 8, 16, 100);			/* A: stable interval closed at t=2.5s */
	hist_put(&m->s.wait, 1500);
	hist_put(&m->s.wait, 1500);
	hist_put(&m->s.wait, 1100);
	hist_put(&m->s.wait, 5000);
	m->s.other_waits = 3;
	m->s.waits_during_wt = 2;
	m->s.wt_begun = 9;
	m->s.wt_ended = 9;
	m->s.inflight = 0;
	m->s.inflight_max = 3;
	m->s.kernel_wt_count = 0;
	m->s.wt_write_calls = 9;
	m->s.stable_sets = 2;
	m->s.stable_clears = 1;
	m->s.stable_ns = 100 + 2 * SEC;		/* [0.5s, 2.5s) closed */
	m->s.stable_since_ns = 0;

	p = add_proc(&prev, 300, "fio");
	hist_put(&p->s.wait, 1000);
	p->s.waits_during_wt = 1;
	p = add_proc(&prev, 20, "kworker");
	hist_put(&p->s.wait, 10);
	p = add_proc(&cur, 20, "kworker");
	hist_put(&p->s.wait, 10);
	p = add_proc(&cur, 4000, "dd");
	hist_put(&p->s.wait, 70);
	p->s.waits_during_wt = 1;
	p = add_proc(&cur, 300, "fio-renamed");
	hist_put(&p->s.wait, 1000);
	hist_put(&p->s.wait, 2000);
	p->s.waits_during_wt = 3;

	dv = add_dev(&prev, wt_dev_make(259, 0));
	hist_put(&dv->s.wait, 50);
	dv = add_dev(&prev, wt_dev_make(8, 16));
	hist_put(&dv->s.wait, 1500);
	dv->s.other_waits = 1;
	dv = add_dev(&cur, wt_dev_make(8, 16));
	hist_put(&dv->s.wait, 1500);
	hist_put(&dv->s.wait, 9000);
	dv->s.other_waits = 3;
	dv = add_dev(&cur, wt_dev_make(259, 0));
	hist_put(&dv->s.wait, 50);
	hist_put(&dv->s.wait, 3000);

	hist_put(&prev.totals.wait, 1500);
	prev.totals.wt_begun = 5;
	prev.totals.wt_ended = 4;
	prev.totals.inflight = 1;
	prev.totals.inflight_max = 2;
	cur.totals.wait = prev.totals.wait;
	hist_put(&cur.totals.wait, 3000);
	cur.totals.wt_begun = 11;
	cur.totals.wt_ended = 9;
	cur.totals.inflight = 2;
	cur.totals.inflight_max = 3;
	for (int c = 0; c < WT_COUNTER_MAX; c++) {
		prev.counters[c] = 10 * c;
		cur.counters[c] = 10 * c + c;
	}
	prev.counters[WT_DROP_NO_STACK] = 99;	/* went backwards (maps recreated) */
	cur.counters[WT_DROP_NO_STACK] = 5;
	return 0;
}

static int free_snapshots(void **state)
{
	wt_snapshot_free(&prev);
	wt_snapshot_free(&cur);
	wt_snapshot_free(&out);
	return 0;
}

static void test_delta_globals(void **state)
{
	assert_int_equal(wt_snapshot_delta(&out, &cur, &prev), 0);
	assert_int_equal(out.mono_ns, 3 * SEC);
	assert_int_equal(out.pending, 1);		/* a gauge */
	assert_int_equal(out.totals.wait.count, 1);
	assert_int_equal(out.totals.wait.sum_ns, 3000);
	assert_int_equal(out.totals.wait.slots[wt_slot_of(3000)], 1);
	assert_int_equal(out.totals.wt_begun, 6);
	assert_int_equal(out.totals.wt_ended, 5);
	assert_int_equal(out.totals.inflight, 2);	/* gauges from cur */
	assert_int_equal(out.totals.inflight_max, 3);
	for (int c = 0; c < WT_COUNTER_MAX; c++)
		assert_int_equal(out.counters[c], c == WT_DROP_NO_STACK ? 0 : c);
}

static void test_delta_mappings(void **state)
{
	const struct wt_mapping_row *a, *b, *d;

	assert_int_equal(wt_snapshot_delta(&out, &cur, &prev), 0);
	/* rows of cur only: C (gone) is not reported */
	assert_int_equal(out.nmaps, 3);

	a = find_map(&out, 8, 16, 100);
	assert_int_equal(a->s.wait.count, 2);
	assert_int_equal(a->s.wait.sum_ns, 6100);
	assert_int_equal(a->s.wait.slots[wt_slot_of(1500)], 1);
	assert_int_equal(a->s.wait.slots[wt_slot_of(5000)], 1);
	assert_int_equal(a->s.wait.max_ns, 5000);
	assert_int_equal(a->s.other_waits, 2);
	assert_int_equal(a->s.waits_during_wt, 2);
	assert_int_equal(a->s.wt_begun, 4);
	assert_int_equal(a->s.wt_ended, 5);
	assert_int_equal(a->s.wt_write_calls, 4);
	assert_int_equal(a->s.stable_sets, 1);
	assert_int_equal(a->s.stable_clears, 1);
	/* gauges: from cur */
	assert_int_equal(a->s.inflight, 0);
	assert_int_equal(a->s.inflight_max, 3);
	assert_int_equal(a->s.kernel_wt_count, 0);
	/* stable from t=1s (start of the interval) to t=2.5s, as a closed total */
	assert_int_equal(a->s.stable_ns, 3 * SEC / 2);
	assert_int_equal(a->s.stable_since_ns, 0);

	b = find_map(&out, 8, 16, 7);
	assert_int_equal(b->s.wait.count, 1);
	assert_int_equal(b->s.wait.sum_ns, 40);
	/* stable from t=2s, still open at t=3s */
	assert_int_equal(b->s.stable_ns, SEC);
	assert_int_equal(b->s.inflight, 2);
	assert_int_equal(b->s.inflight_max, 3);
	assert_int_equal(b->s.kernel_wt_count, -1);

	/* new in cur: whole, stable time includes its open interval */
	d = find_map(&out, 259, 0, 7);
	assert_int_equal(d->s.wait.count, 1);
	assert_int_equal(d->s.wait.sum_ns, 3000);
	assert_int_equal(d->s.wait.max_ns, 3000);
	assert_int_equal(d->s.wt_begun, 2);
	assert_int_equal(d->s.stable_sets, 1);
	assert_int_equal(d->s.stable_ns, 7 + SEC / 2);
}

static void test_delta_procs_and_devs(void **state)
{
	const struct wt_proc_row *p;
	const struct wt_dev_row *dv;

	assert_int_equal(wt_snapshot_delta(&out, &cur, &prev), 0);
	assert_int_equal(out.nprocs, 3);
	p = find_proc(&out, 300);
	assert_int_equal(p->s.wait.count, 1);
	assert_int_equal(p->s.wait.sum_ns, 2000);
	assert_int_equal(p->s.waits_during_wt, 2);
	assert_string_equal(p->s.comm, "fio-renamed");	/* names from cur */
	p = find_proc(&out, 20);
	assert_int_equal(p->s.wait.count, 0);
	assert_int_equal(p->s.wait.max_ns, 0);
	p = find_proc(&out, 4000);			/* new: whole */
	assert_int_equal(p->s.wait.count, 1);
	assert_int_equal(p->s.waits_during_wt, 1);

	assert_int_equal(out.ndevs, 2);
	dv = find_dev(&out, wt_dev_make(8, 16));
	assert_int_equal(dv->s.wait.count, 1);
	assert_int_equal(dv->s.wait.sum_ns, 9000);
	assert_int_equal(dv->s.other_waits, 2);
	dv = find_dev(&out, wt_dev_make(259, 0));
	assert_int_equal(dv->s.wait.count, 1);
	assert_int_equal(dv->s.wait.sum_ns, 3000);
	assert_int_equal(dv->s.other_waits, 0);
}

/* Against an empty prev (the first interval), everything is new. */
static void test_delta_from_empty(void **state)
{
	struct wt_snapshot empty = { .mono_ns = 1 * SEC };

	assert_int_equal(wt_snapshot_delta(&out, &cur, &empty), 0);
	assert_int_equal(out.nmaps, cur.nmaps);
	assert_int_equal(out.nprocs, cur.nprocs);
	assert_int_equal(out.ndevs, cur.ndevs);
	assert_int_equal(find_map(&out, 8, 16, 100)->s.wait.count, 4);
	assert_int_equal(find_map(&out, 8, 16, 100)->s.wt_begun, 9);
	assert_int_equal(find_proc(&out, 300)->s.waits_during_wt, 3);
	assert_int_equal(out.counters[3], 3 * 10 + 3);
}

/* Report order: wait time desc, then count desc, then wt_begun desc, then key. */
static void test_sort(void **state)
{
	struct wt_snapshot s = { 0 };
	struct wt_mapping_row *m;

	m = add_map(&s, 8, 1, 50);	/* 1: ties with 2 on time and count; larger key */
	m->s.wait.sum_ns = 500;
	m->s.wait.count = 2;
	m = add_map(&s, 9, 0, 1);	/* 2: no waits, but writethroughs */
	m->s.wt_begun = 5;
	m = add_map(&s, 8, 1, 20);	/* 3 */
	m->s.wait.sum_ns = 500;
	m->s.wait.count = 2;
	m = add_map(&s, 1, 0, 1);	/* 4: nothing at all */
	m = add_map(&s, 8, 1, 99);	/* 5: most wait time */
	m->s.wait.sum_ns = 900;
	m->s.wait.count = 1;
	m = add_map(&s, 8, 1, 10);	/* 6: same time as 1 and 3, fewer waits, smaller key */
	m->s.wait.sum_ns = 500;
	m->s.wait.count = 1;
	m = add_map(&s, 7, 0, 1);	/* 7: time outranks a large count */
	m->s.wait.sum_ns = 499;
	m->s.wait.count = 1000;

	add_proc(&s, 30, "c")->s.wait.sum_ns = 10;
	add_proc(&s, 10, "a")->s.wait.sum_ns = 10;
	add_proc(&s, 20, "b")->s.wait.sum_ns = 20;
	add_dev(&s, wt_dev_make(259, 0));
	add_dev(&s, wt_dev_make(8, 16));
	add_dev(&s, wt_dev_make(8, 0));

	wt_snapshot_sort(&s);
	static const __u64 inos[] = { 99, 20, 50, 10, 1, 1, 1 };
	static const __u32 devs[] = { 8 << 20 | 1, 8 << 20 | 1, 8 << 20 | 1, 8 << 20 | 1, 7 << 20, 9 << 20, 1 << 20 };
	for (size_t i = 0; i < s.nmaps; i++) {
		if (s.maps[i].key.ino != inos[i] || s.maps[i].key.dev != devs[i])
			fail_msg("position %zu: %u:%u/%llu", i, wt_dev_major(s.maps[i].key.dev),
				 wt_dev_minor(s.maps[i].key.dev), (unsigned long long)s.maps[i].key.ino);
	}
	assert_int_equal(s.procs[0].pid, 20);
	assert_int_equal(s.procs[1].pid, 10);	/* tie on time and count: by pid */
	assert_int_equal(s.procs[2].pid, 30);
	assert_int_equal(s.devs[0].dev, wt_dev_make(8, 0));
	assert_int_equal(s.devs[1].dev, wt_dev_make(8, 16));
	assert_int_equal(s.devs[2].dev, wt_dev_make(259, 0));
	wt_snapshot_free(&s);
	assert_null(s.maps);
	assert_int_equal(s.nmaps, 0);
}

/* A mapping row with counters that depend on (ino, round). */
static void fill_row(struct wt_mapping_row *r, __u64 ino, unsigned round)
{
	memset(r, 0, sizeof(*r));
	r->key.dev = wt_dev_make(8, ino % 3);
	r->key.ino = ino;
	for (unsigned i = 0; i < round + ino % 4; i++)
		hist_put(&r->s.wait, 1000 * (ino % 5 + 1));
	r->s.wt_begun = ino % 3 + round;
	r->s.other_waits = ino % 2 ? round : 0;
	r->s.stable_sets = round;
	snprintf(r->s.name, sizeof(r->s.name), "f%llu", (unsigned long long)ino);
}

/* out's row for key, or NULL */
static const struct wt_mapping_row *row_of(const struct wt_snapshot *s, const struct wt_mapping_key *k)
{
	for (size_t i = 0; i < s->nmaps; i++)
		if (s->maps[i].key.dev == k->dev && s->maps[i].key.ino == k->ino)
			return &s->maps[i];
	return NULL;
}

/*
 * Keys come and go between reads and the read order changes in places:
 * each row of the delta is cur minus the row of prev with the same key,
 * whether it was found where the previous row left off or through the
 * index, and a row new in cur is whole. Run twice into the same out, as
 * the interval loop does.
 */
static void test_delta_keys_come_and_go(void **state)
{
	struct wt_snapshot p = { .mono_ns = SEC }, c = { .mono_ns = 2 * SEC }, o = { 0 };

	/* prev: inodes 1..300; cur: every third one gone, 301..350 new, the
	 * first 40 rows in reverse order, the rest in prev's order */
	for (__u64 ino = 1; ino <= 300; ino++)
		fill_row(add_map(&p, 0, 0, 0), ino, 1);
	for (__u64 ino = 1; ino <= 350; ino++)
		if (ino > 300 || ino % 3)
			fill_row(add_map(&c, 0, 0, 0), ino, 2);
	for (size_t i = 0; i < 20; i++) {
		struct wt_mapping_row t = c.maps[i];

		c.maps[i] = c.maps[39 - i];
		c.maps[39 - i] = t;
	}
	for (int pass = 0; pass < 2; pass++) {
		assert_int_equal(wt_snapshot_delta_into(&o, &c, &p), 0);
		assert_int_equal(o.nmaps, c.nmaps);
		for (size_t i = 0; i < c.nmaps; i++) {
			const struct wt_mapping_row *cr = &c.maps[i], *pr = row_of(&p, &cr->key), *d = &o.maps[i];
			struct wt_hist want;

			assert_true(d->key.ino == cr->key.ino && d->key.dev == cr->key.dev);
			assert_int_equal(pr != NULL, cr->key.ino <= 300);
			wt_hist_sub(&want, &cr->s.wait, pr ? &pr->s.wait : NULL);
			if (memcmp(&d->s.wait, &want, sizeof(want)))
				fail_msg("pass %d, inode %llu: wait histogram is not cur - prev", pass,
					 (unsigned long long)cr->key.ino);
			assert_int_equal(d->s.wt_begun, cr->s.wt_begun - (pr ? pr->s.wt_begun : 0));
			assert_int_equal(d->s.other_waits, cr->s.other_waits - (pr ? pr->s.other_waits : 0));
			assert_int_equal(d->s.stable_sets, pr ? 1 : 2);
			assert_string_equal(d->s.name, cr->s.name);
		}
	}
	/* prev kept its order */
	for (size_t i = 0; i < p.nmaps; i++)
		assert_int_equal(p.maps[i].key.ino, i + 1);
	wt_snapshot_free(&p);
	wt_snapshot_free(&c);
	wt_snapshot_free(&o);
	assert_null(o.maps);
	assert_int_equal(o.maps_cap, 0);
}

/*
 * A file deleted and a new one given its inode number: two keys that
 * differ only in the generation are two rows, and each row's delta is
 * taken against its own generation, never the other's.
 */
static void test_delta_generation_is_part_of_the_key(void **state)
{
	struct wt_snapshot p = { .mono_ns = SEC }, c = { .mono_ns = 2 * SEC }, o = { 0 };
	struct wt_mapping_row *old_p, *old_c, *new_c;

	old_p = add_map(&p, 0, 0, 0);
	fill_row(old_p, 42, 1);
	old_p->key.gen = 7;
	old_c = add_map(&c, 0, 0, 0);
	fill_row(old_c, 42, 1);		/* the deleted file: nothing new */
	old_c->key.gen = 7;
	new_c = add_map(&c, 0, 0, 0);
	fill_row(new_c, 42, 3);		/* the new file on the same inode */
	new_c->key.gen = 8;
	snprintf(new_c->s.name, sizeof(new_c->s.name), "reborn");
	assert_int_equal(wt_snapshot_delta_into(&o, &c, &p), 0);
	assert_int_equal(o.nmaps, 2);
	for (size_t i = 0; i < o.nmaps; i++) {
		const struct wt_mapping_row *d = &o.maps[i];

		if (d->key.gen == 7) {
			assert_int_equal(d->s.wait.count, 0);
			assert_int_equal(d->s.wt_begun, 0);
		} else {
			assert_int_equal(d->key.gen, 8);
			/* whole: no row of prev has generation 8 */
			assert_int_equal(d->s.wait.count, new_c->s.wait.count);
			assert_int_equal(d->s.wt_begun, new_c->s.wt_begun);
			assert_string_equal(d->s.name, "reborn");
		}
	}
	wt_snapshot_free(&p);
	wt_snapshot_free(&c);
	wt_snapshot_free(&o);
}

/* What a report showing top rows sees, after a full sort or after sort_top. */
static void shown(const struct wt_snapshot *s, size_t top, bool active_only, __u64 *inos, size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < s->nmaps && *n < top; i++) {
		if (active_only && !wt_mapping_active(&s->maps[i].s))
			continue;
		inos[(*n)++] = s->maps[i].key.ino;
	}
}

/* Top-N order at the snapshot level: same rows, same order as a full sort, ties included. */
static void test_sort_top_equals_sort(void **state)
{
	static const size_t tops[] = { 0, 1, 5, 10, 199, 200, 500 };

	for (size_t t = 0; t < sizeof(tops) / sizeof(tops[0]); t++) {
		for (int active_only = 0; active_only < 2; active_only++) {
			struct wt_snapshot a = { 0 }, b = { 0 };
			__u64 ia[500], ib[500];
			size_t na, nb;

			for (__u64 ino = 0; ino < 200; ino++) {
				struct wt_mapping_row *r = add_map(&a, 8, ino % 2, ino);

				/* ties on time and count, decided by wt_begun, then by key */
				r->s.wait.sum_ns = 1000 * (ino % 4);
				r->s.wait.count = ino % 4 ? 2 : 0;
				r->s.wt_begun = ino % 5 == 0 ? ino % 3 : 0;
			}
			for (__u32 pid = 0; pid < 50; pid++)
				add_proc(&a, 1000 - pid, "p")->s.wait.sum_ns = pid % 3;
			b = a;
			b.maps = malloc(a.nmaps * sizeof(*a.maps));
			b.procs = malloc(a.nprocs * sizeof(*a.procs));
			memcpy(b.maps, a.maps, a.nmaps * sizeof(*a.maps));
			memcpy(b.procs, a.procs, a.nprocs * sizeof(*a.procs));
			wt_snapshot_sort(&a);
			assert_int_equal(wt_snapshot_sort_top(&b, tops[t], active_only), 0);
			shown(&a, tops[t], active_only, ia, &na);
			shown(&b, tops[t], active_only, ib, &nb);
			assert_int_equal(na, nb);
			for (size_t i = 0; i < na; i++)
				if (ia[i] != ib[i])
					fail_msg("top %zu%s: row %zu is inode %llu, a full sort shows %llu", tops[t],
						 active_only ? " (active)" : "", i, (unsigned long long)ib[i],
						 (unsigned long long)ia[i]);
			for (size_t i = 0; i < tops[t] && i < a.nprocs; i++)
				assert_int_equal(a.procs[i].pid, b.procs[i].pid);
			wt_snapshot_free(&a);
			wt_snapshot_free(&b);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dev_encoding),
		cmocka_unit_test(test_read_rows_of_the_table),
		cmocka_unit_test(test_stable_time),
		cmocka_unit_test_setup_teardown(test_delta_globals, make_snapshots, free_snapshots),
		cmocka_unit_test_setup_teardown(test_delta_mappings, make_snapshots, free_snapshots),
		cmocka_unit_test_setup_teardown(test_delta_procs_and_devs, make_snapshots, free_snapshots),
		cmocka_unit_test_setup_teardown(test_delta_from_empty, make_snapshots, free_snapshots),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_delta_keys_come_and_go),
		cmocka_unit_test(test_delta_generation_is_part_of_the_key),
		cmocka_unit_test(test_sort_top_equals_sort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
