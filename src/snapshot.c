// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "hist.h"
#include "rowtable.h"
#include "snapshot.h"
#include "topn.h"

/*
 * Rows per batched lookup. The kernel copies each batch through a buffer
 * of its own and we copy it once more into rows: a chunk that stays in
 * the cache keeps both copies cheap (one whole-map batch was slower than
 * the rest of an interval put together at 100,000 mappings).
 */
#define READ_CHUNK 256

/* Rows of cap rows of rowsz bytes: reused when big enough. */
static int ensure_rows(void **rows, size_t *cap, size_t want, size_t rowsz)
{
	void *p;

	if (want <= *cap && *rows)
		return 0;
	p = malloc((want ? want : 1) * rowsz);
	if (!p)
		return -ENOMEM;
	free(*rows);
	*rows = p;
	*cap = want;
	return 0;
}

/*
 * Reads a whole hash map into *rows (capacity *cap, grown to max_entries
 * when smaller): rows of rowsz bytes, key at offset 0 and value at voff
 * (the row structs pad between them), with the batch API (one system call
 * per chunk) and a per-key fallback for kernels without it.
 */
static int read_hash(int fd, size_t ksz, size_t vsz, size_t voff, size_t rowsz,
		     void **rows_io, size_t *cap, size_t *n_out)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), max, count;
	size_t n = 0;
	char *keys, *vals, *rows;
	void *in = NULL, *out;
	int err;

	*n_out = 0;
	keys = NULL;
	out = NULL;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto done;
	}
	max = info.max_entries ? info.max_entries : 1;
	err = ensure_rows(rows_io, cap, max, rowsz);
	if (err)
		goto done;
	rows = *rows_io;
	keys = malloc(READ_CHUNK * (ksz + vsz));
	out = malloc(ksz > 8 ? ksz : 8);
	if (!keys || !out) {
		err = -ENOMEM;
		goto done;
	}
	vals = keys + READ_CHUNK * ksz;
	for (;;) {
		count = max - n < READ_CHUNK ? max - n : READ_CHUNK;
		if (!count)
			break;
		err = bpf_map_lookup_batch(fd, in, out, keys, vals, &count, NULL);
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		for (__u32 i = 0; i < count && n < max; i++, n++) {
			memcpy(rows + n * rowsz, keys + i * ksz, ksz);
			memcpy(rows + n * rowsz + voff, vals + i * vsz, vsz);
		}
		if (err) {	/* ENOENT: that was the last batch */
			err = 0;
			break;
		}
		in = out;	/* the kernel reads the token before it writes the next */
	}
	/* no batch support shows at the first call, before any row is out */
	if (!n && (err == -EINVAL || err == -524 /* ENOTSUPP */ || err == -EOPNOTSUPP)) {
		void *prev = NULL, *key = keys;

		n = 0;
		err = 0;
		while (n < max && !bpf_map_get_next_key(fd, prev, key)) {
			if (!bpf_map_lookup_elem(fd, key, rows + n * rowsz + voff)) {
				memcpy(rows + n * rowsz, key, ksz);
				n++;
			}
			memcpy(out, key, ksz);
			prev = out;
		}
	}
done:
	free(keys);
	free(out);
	if (!err)
		*n_out = n;
	return err;
}

static __u64 mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The kernel's own dirty page count, beside which drift is judged. */
static __s64 vmstat_nr_dirty(void)
{
	FILE *f = fopen("/proc/vmstat", "re");
	char name[64];
	long long v;
	__s64 out = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", name, &v) == 2) {
		if (!strcmp(name, "nr_dirty")) {
			out = v;
			break;
		}
	}
	fclose(f);
	return out;
}

/* Everything but the memory a snapshot keeps for its next use. */
static void clear_keeping_memory(struct wt_snapshot *s)
{
	struct wt_snapshot keep = {
		.maps = s->maps, .procs = s->procs, .devs = s->devs,
		.maps_cap = s->maps_cap, .procs_cap = s->procs_cap, .devs_cap = s->devs_cap,
		.maps_ix = s->maps_ix, .procs_ix = s->procs_ix, .devs_ix = s->devs_ix,
	};

	*s = keep;
}

/* Everything but the keyed rows: totals, counters, clocks. */
static int read_globals(struct wt_snapshot *s, const struct wt_map_fds *fds, __s64 pending)
{
	int ncpu = libbpf_num_possible_cpus();
	__u32 zero = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	s->mono_ns = mono_now();
	s->pending = pending;
	s->kernel_nr_dirty = vmstat_nr_dirty();
	if (bpf_map_lookup_elem(fds->totals, &zero, &s->totals))
		return -errno;
	{
		__u64 percpu[ncpu];

		for (__u32 c = 0; c < WT_COUNTER_MAX; c++) {
			if (bpf_map_lookup_elem(fds->counters, &c, percpu))
				return -errno;
			for (int i = 0; i < ncpu; i++)
				s->counters[c] += percpu[i];
		}
	}
	return 0;
}

#define READ_ROWS(fd, type, keyfield, rows, cap, n)					\
	read_hash(fd, sizeof(((type *)0)->keyfield), sizeof(((type *)0)->s),		\
		  offsetof(type, s), sizeof(type), (void **)(rows), cap, n)

int wt_snapshot_read_rows(struct wt_snapshot *s, struct wt_row_table *t)
{
	__u32 used = wt_row_table_used(t);
	int err = wt_row_table_cover(t, used);

	if (err)
		return err;
	if (ensure_rows((void **)&s->maps, &s->maps_cap, t->max, sizeof(*s->maps)))
		return -ENOMEM;
	s->nmaps = 0;
	for (__u32 i = 0; i < used; i++)
		if (wt_row_shown(&t->rows[i]))
			s->maps[s->nmaps++] = t->rows[i];
	return 0;
}

static int read_procs_devs(struct wt_snapshot *s, const struct wt_map_fds *fds)
{
	int err = READ_ROWS(fds->procs, struct wt_proc_row, pid, &s->procs, &s->procs_cap, &s->nprocs);

	return err ? err : READ_ROWS(fds->devs, struct wt_dev_row, dev, &s->devs, &s->devs_cap, &s->ndevs);
}

int wt_snapshot_read_into(struct wt_snapshot *s, const struct wt_map_fds *fds, __s64 pending)
{
	int err;

	clear_keeping_memory(s);
	err = read_globals(s, fds, pending);
	if (!err)
		err = wt_snapshot_read_rows(s, fds->table);
	if (!err)
		err = read_procs_devs(s, fds);
	if (err)
		s->nmaps = s->nprocs = s->ndevs = 0;
	return err;
}

void wt_snapshot_sum_begun(struct wt_snapshot *s)
{
	s->totals.wt_begun = 0;
	for (size_t i = 0; i < s->nmaps; i++)
		s->totals.wt_begun += s->maps[i].s.wt_begun;
}

int wt_snapshot_read(struct wt_snapshot *s, const struct wt_map_fds *fds, __s64 pending)
{
	int err;

	memset(s, 0, sizeof(*s));
	err = wt_snapshot_read_into(s, fds, pending);
	if (err)
		wt_snapshot_free(s);
	return err;
}

void wt_snapshot_free(struct wt_snapshot *s)
{
	free(s->maps);
	free(s->procs);
	free(s->devs);
	free(s->maps_ix.slot);
	free(s->procs_ix.slot);
	free(s->devs_ix.slot);
	s->maps = NULL;
	s->procs = NULL;
	s->devs = NULL;
	s->nmaps = s->nprocs = s->ndevs = 0;
	s->maps_cap = s->procs_cap = s->devs_cap = 0;
	memset(&s->maps_ix, 0, sizeof(s->maps_ix));
	memset(&s->procs_ix, 0, sizeof(s->procs_ix));
	memset(&s->devs_ix, 0, sizeof(s->devs_ix));
}

__u64 wt_stable_time_ns(const struct wt_mapping_stats *s, __u64 now_ns)
{
	__u64 open = s->stable_since_ns && now_ns > s->stable_since_ns ? now_ns - s->stable_since_ns : 0;

	return s->stable_ns + open;
}

static int key_cmp(const void *a, const void *b)
{
	const struct wt_mapping_row *x = a, *y = b;

	if (x->key.dev != y->key.dev)
		return x->key.dev < y->key.dev ? -1 : 1;
	if (x->key.ino != y->key.ino)
		return x->key.ino < y->key.ino ? -1 : 1;
	return x->key.gen < y->key.gen ? -1 : x->key.gen > y->key.gen;
}

static int u32_cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* ---- finding a row of prev by key ---------------------------------------- */

/* splitmix64's finalizer: neighbouring inode numbers land far apart */
static __u64 mix64(__u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static __u64 mapping_hash(const void *row)
{
	const struct wt_mapping_row *m = row;

	return mix64(m->key.ino ^ ((__u64)m->key.dev << 40) ^ m->key.dev ^ ((__u64)m->key.gen << 20));
}

static __u64 u32_hash(const void *row)
{
	return mix64(*(const __u32 *)row);
}

static bool mapping_same(const void *a, const void *b)
{
	return !key_cmp(a, b);
}

static bool u32_same(const void *a, const void *b)
{
	return *(const __u32 *)a == *(const __u32 *)b;
}

/* The key of every row type is at its start. */
struct row_kind {
	size_t size;
	__u64 (*hash)(const void *row);
	bool (*same)(const void *a, const void *b);
};

static const struct row_kind mapping_kind = { sizeof(struct wt_mapping_row), mapping_hash, mapping_same };
static const struct row_kind proc_kind = { sizeof(struct wt_proc_row), u32_hash, u32_same };
static const struct row_kind dev_kind = { sizeof(struct wt_dev_row), u32_hash, u32_same };

/* Open addressing, linear probing, load at most one half. */
static int index_build(struct wt_row_index *ix, const char *rows, size_t n, const struct row_kind *k)
{
	size_t want = 16, mask;

	while (want < 2 * n)
		want *= 2;
	if (ix->nslots < want) {
		__u32 *slot = malloc(want * sizeof(*slot));

		if (!slot)
			return -ENOMEM;
		free(ix->slot);
		ix->slot = slot;
		ix->nslots = want;
	}
	memset(ix->slot, 0, ix->nslots * sizeof(*ix->slot));
	mask = ix->nslots - 1;
	for (size_t i = 0; i < n; i++) {
		size_t h = k->hash(rows + i * k->size) & mask;

		while (ix->slot[h])
			h = (h + 1) & mask;
		ix->slot[h] = i + 1;
	}
	return 0;
}

/* Looks rows of prev up in the order of cur. */
struct finder {
	const char *rows;
	size_t n;
	const struct row_kind *kind;
	struct wt_row_index *ix;
	bool indexed;
	size_t next;		/* where the row after the last one found is */
};

static int find_prev(struct finder *f, const void *key, const void **found)
{
	const struct row_kind *k = f->kind;
	size_t mask, h;

	/*
	 * A hash map is read in bucket order, and that order holds from one
	 * interval to the next: most rows are where the last one left off.
	 * The index is built only when one is not.
	 */
	*found = NULL;
	if (f->next < f->n && k->same(f->rows + f->next * k->size, key)) {
		*found = f->rows + f->next++ * k->size;
		return 0;
	}
	if (!f->n)
		return 0;
	if (!f->indexed) {
		if (index_build(f->ix, f->rows, f->n, k))
			return -ENOMEM;
		f->indexed = true;
	}
	mask = f->ix->nslots - 1;
	for (h = k->hash(key) & mask; f->ix->slot[h]; h = (h + 1) & mask) {
		size_t i = f->ix->slot[h] - 1;

		if (k->same(f->rows + i * k->size, key)) {
			*found = f->rows + i * k->size;
			f->next = i + 1;
			break;
		}
	}
	return 0;
}

static __u64 dsub(__u64 a, __u64 b)
{
	return a > b ? a - b : 0;
}

static void mapping_delta(struct wt_mapping_stats *o, const struct wt_mapping_stats *c,
			  const struct wt_mapping_stats *p, __u64 prev_mono, __u64 cur_mono)
{
	*o = *c;
	wt_hist_sub(&o->wait, &c->wait, p ? &p->wait : NULL);
	if (!p)
		return;
	o->other_waits = dsub(c->other_waits, p->other_waits);
	o->waits_during_wt = dsub(c->waits_during_wt, p->waits_during_wt);
	o->wt_begun = dsub(c->wt_begun, p->wt_begun);
	o->wt_ended = dsub(c->wt_ended, p->wt_ended);
	o->wt_write_calls = dsub(c->wt_write_calls, p->wt_write_calls);
	o->stable_sets = dsub(c->stable_sets, p->stable_sets);
	o->dirty_tracked = dsub(c->dirty_tracked, p->dirty_tracked);
	o->dirty_accounted = dsub(c->dirty_accounted, p->dirty_accounted);
	o->drift_pages = dsub(c->drift_pages, p->drift_pages);
	o->stable_clears = dsub(c->stable_clears, p->stable_clears);
	/* stable time within the interval, as a closed total; stable_since_ns
	 * stays cur's, so "stable now" still reads true */
	o->stable_ns = dsub(wt_stable_time_ns(c, cur_mono), wt_stable_time_ns(p, prev_mono));
}

static void delta_globals(struct wt_snapshot *out, const struct wt_snapshot *cur, const struct wt_snapshot *prev)
{
	out->mono_ns = cur->mono_ns;
	out->pending = cur->pending;
	out->kernel_nr_dirty = cur->kernel_nr_dirty;
	out->totals = cur->totals;
	wt_hist_sub(&out->totals.wait, &cur->totals.wait, &prev->totals.wait);
	wt_hist_sub(&out->totals.throttle, &cur->totals.throttle, &prev->totals.throttle);
	out->totals.throttle_wt = dsub(cur->totals.throttle_wt, prev->totals.throttle_wt);
	out->totals.drift_pages = dsub(cur->totals.drift_pages, prev->totals.drift_pages);
	out->totals.wt_begun = dsub(cur->totals.wt_begun, prev->totals.wt_begun);
	out->totals.wt_ended = dsub(cur->totals.wt_ended, prev->totals.wt_ended);
	for (int i = 0; i < WT_COUNTER_MAX; i++)
		out->counters[i] = dsub(cur->counters[i], prev->counters[i]);
}

#define FINDER(snap, ROWS, N, KIND, IX) \
	{ .rows = (const char *)(snap)->ROWS, .n = (snap)->N, .kind = &(KIND), .ix = &(snap)->IX }

/* out->maps[i] = cur->maps[i] - its row in prev (out has room for it) */
static int delta_map_row(struct wt_snapshot *out, const struct wt_snapshot *cur, const struct wt_snapshot *prev,
			 struct finder *fm, size_t i)
{
	const struct wt_mapping_row *p;
	struct wt_mapping_row *o = &out->maps[i];
	int err = find_prev(fm, &cur->maps[i], (const void **)&p);

	if (err)
		return err;
	mapping_delta(&o->s, &cur->maps[i].s, p ? &p->s : NULL, prev->mono_ns, cur->mono_ns);
	if (!p)
		o->s.stable_ns = wt_stable_time_ns(&cur->maps[i].s, cur->mono_ns);
	o->key = cur->maps[i].key;
	return 0;
}

static int delta_procs_devs(struct wt_snapshot *out, const struct wt_snapshot *cur, struct wt_snapshot *prev)
{
	struct finder fp = FINDER(prev, procs, nprocs, proc_kind, procs_ix);
	struct finder fd = FINDER(prev, devs, ndevs, dev_kind, devs_ix);
	int err;

	if (ensure_rows((void **)&out->procs, &out->procs_cap, cur->nprocs, sizeof(*out->procs)) ||
	    ensure_rows((void **)&out->devs, &out->devs_cap, cur->ndevs, sizeof(*out->devs)))
		return -ENOMEM;
	for (size_t i = 0; i < cur->nprocs; i++) {
		const struct wt_proc_row *p;
		struct wt_proc_row *o = &out->procs[out->nprocs];

		if ((err = find_prev(&fp, &cur->procs[i], (const void **)&p)))
			return err;
		*o = cur->procs[i];
		wt_hist_sub(&o->s.wait, &cur->procs[i].s.wait, p ? &p->s.wait : NULL);
		wt_hist_sub(&o->s.throttle, &cur->procs[i].s.throttle, p ? &p->s.throttle : NULL);
		if (p) {
			o->s.waits_during_wt = dsub(cur->procs[i].s.waits_during_wt, p->s.waits_during_wt);
			o->s.throttle_wt = dsub(cur->procs[i].s.throttle_wt, p->s.throttle_wt);
		}
		out->nprocs++;
	}
	for (size_t i = 0; i < cur->ndevs; i++) {
		const struct wt_dev_row *p;
		struct wt_dev_row *o = &out->devs[out->ndevs];

		if ((err = find_prev(&fd, &cur->devs[i], (const void **)&p)))
			return err;
		*o = cur->devs[i];
		wt_hist_sub(&o->s.wait, &cur->devs[i].s.wait, p ? &p->s.wait : NULL);
		wt_hist_sub(&o->s.throttle, &cur->devs[i].s.throttle, p ? &p->s.throttle : NULL);
		if (p) {
			o->s.other_waits = dsub(cur->devs[i].s.other_waits, p->s.other_waits);
			o->s.throttle_wt = dsub(cur->devs[i].s.throttle_wt, p->s.throttle_wt);
			o->s.drift_pages = dsub(cur->devs[i].s.drift_pages, p->s.drift_pages);
		}
		out->ndevs++;
	}
	return 0;
}

int wt_snapshot_delta_into(struct wt_snapshot *out, const struct wt_snapshot *cur, struct wt_snapshot *prev)
{
	struct finder fm = FINDER(prev, maps, nmaps, mapping_kind, maps_ix);
	int err = 0;

	clear_keeping_memory(out);
	delta_globals(out, cur, prev);
	if (ensure_rows((void **)&out->maps, &out->maps_cap, cur->nmaps, sizeof(*out->maps)))
		return -ENOMEM;
	for (size_t i = 0; i < cur->nmaps && !err; i++)
		err = delta_map_row(out, cur, prev, &fm, i);
	out->nmaps = err ? 0 : cur->nmaps;
	if (!err)
		err = delta_procs_devs(out, cur, prev);
	if (err)
		out->nmaps = out->nprocs = out->ndevs = 0;
	return err;
}

int wt_snapshot_next(struct wt_snapshot *cur, struct wt_snapshot *prev, struct wt_snapshot *out,
		     const struct wt_map_fds *fds, __s64 pending, bool sum_begun)
{
	int err = wt_snapshot_read_into(cur, fds, pending);

	if (!err && sum_begun)
		wt_snapshot_sum_begun(cur);
	if (!err)
		err = wt_snapshot_delta_into(out, cur, prev);
	if (err)
		out->nmaps = out->nprocs = out->ndevs = 0;
	return err;
}

int wt_snapshot_delta(struct wt_snapshot *out, const struct wt_snapshot *cur, struct wt_snapshot *prev)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = wt_snapshot_delta_into(out, cur, prev);
	if (err)
		wt_snapshot_free(out);
	return err;
}

static int by_wait_time(const void *a, const void *b)
{
	const struct wt_mapping_row *x = a, *y = b;

	if (x->s.wait.sum_ns != y->s.wait.sum_ns)
		return x->s.wait.sum_ns > y->s.wait.sum_ns ? -1 : 1;
	if (x->s.wait.count != y->s.wait.count)
		return x->s.wait.count > y->s.wait.count ? -1 : 1;
	if (x->s.wt_begun != y->s.wt_begun)
		return x->s.wt_begun > y->s.wt_begun ? -1 : 1;
	return key_cmp(a, b);
}

static int proc_by_wait_time(const void *a, const void *b)
{
	const struct wt_proc_row *x = a, *y = b;
	/* time blocked either way: stable waits and dirty throttling */
	__u64 tx = x->s.wait.sum_ns + x->s.throttle.sum_ns, ty = y->s.wait.sum_ns + y->s.throttle.sum_ns;

	if (tx != ty)
		return tx > ty ? -1 : 1;
	if (x->s.wait.count != y->s.wait.count)
		return x->s.wait.count > y->s.wait.count ? -1 : 1;
	return u32_cmp(&x->pid, &y->pid);
}

/*
 * An empty table may have no array at all; qsort must not be handed a
 * null array, even for 0 rows (C11 7.22.5).
 */
static void sort_rows(void *rows, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n)
		qsort(rows, n, size, cmp);
}

void wt_snapshot_sort(struct wt_snapshot *s)
{
	sort_rows(s->maps, s->nmaps, sizeof(*s->maps), by_wait_time);
	sort_rows(s->procs, s->nprocs, sizeof(*s->procs), proc_by_wait_time);
	sort_rows(s->devs, s->ndevs, sizeof(*s->devs), u32_cmp);
}

bool wt_mapping_active(const struct wt_mapping_stats *m)
{
	return m->wait.count || m->wt_begun || m->wt_ended || m->other_waits;
}

static bool row_active(const void *row)
{
	return wt_mapping_active(&((const struct wt_mapping_row *)row)->s);
}

int wt_snapshot_sort_top(struct wt_snapshot *s, size_t top, bool active_only)
{
	if (wt_select_top(s->maps, s->nmaps, sizeof(*s->maps), top, by_wait_time,
			  active_only ? row_active : NULL) == (size_t)-1 ||
	    wt_select_top(s->procs, s->nprocs, sizeof(*s->procs), top, proc_by_wait_time, NULL) == (size_t)-1)
		return -ENOMEM;
	sort_rows(s->devs, s->ndevs, sizeof(*s->devs), u32_cmp);
	return 0;
}
