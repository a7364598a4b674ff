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
#include "snapshot.h"

/*
 * Reads a whole hash map into rows of rowsz bytes, key at offset 0 and
 * value at voff (the row structs pad between them), with the batch API (one
 * system call per chunk) and a per-key fallback for kernels without it.
 */
static int read_hash(int fd, size_t ksz, size_t vsz, size_t voff, size_t rowsz,
		     void **rows_out, size_t *n_out)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), batch, count;
	size_t n = 0;
	char *keys, *vals, *rows;
	void *in = NULL, *out;
	int err = 0;

	*rows_out = NULL;
	*n_out = 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	batch = info.max_entries ? info.max_entries : 1;
	keys = calloc(batch, ksz);
	vals = calloc(batch, vsz);
	rows = calloc(batch, rowsz);
	out = malloc(ksz > 8 ? ksz : 8);
	if (!keys || !vals || !rows || !out) {
		err = -ENOMEM;
		goto done;
	}
	for (;;) {
		count = batch - n;
		if (!count)
			break;
		err = bpf_map_lookup_batch(fd, in, out, keys, vals, &count, NULL);
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		for (__u32 i = 0; i < count && n < batch; i++, n++) {
			memcpy(rows + n * rowsz, keys + i * ksz, ksz);
			memcpy(rows + n * rowsz + voff, vals + i * vsz, vsz);
		}
		if (err) {	/* ENOENT: that was the last batch */
			err = 0;
			break;
		}
		in = out;
	}
	if (err == -EINVAL || err == -524 /* ENOTSUPP */ || err == -EOPNOTSUPP) {
		void *prev = NULL, *key = keys;

		n = 0;
		err = 0;
		while (n < batch && !bpf_map_get_next_key(fd, prev, key)) {
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
	free(vals);
	free(out);
	if (err) {
		free(rows);
		return err;
	}
	*rows_out = rows;
	*n_out = n;
	return 0;
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

int wt_snapshot_read(struct wt_snapshot *s, const struct wt_map_fds *fds, __s64 pending)
{
	int ncpu = libbpf_num_possible_cpus();
	__u32 zero = 0;
	void *rows;
	int err;

	memset(s, 0, sizeof(*s));
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
#define READ_ROWS(fd, type, keyfield, n)						\
	read_hash(fd, sizeof(((type *)0)->keyfield), sizeof(((type *)0)->s),		\
		  offsetof(type, s), sizeof(type), &rows, n)
	err = READ_ROWS(fds->mappings, struct wt_mapping_row, key, &s->nmaps);
	if (err)
		return err;
	s->maps = rows;
	err = READ_ROWS(fds->procs, struct wt_proc_row, pid, &s->nprocs);
	if (err)
		goto fail;
	s->procs = rows;
	err = READ_ROWS(fds->devs, struct wt_dev_row, dev, &s->ndevs);
	if (err)
		goto fail;
	s->devs = rows;
	return 0;
fail:
	wt_snapshot_free(s);
	return err;
}

void wt_snapshot_free(struct wt_snapshot *s)
{
	free(s->maps);
	free(s->procs);
	free(s->devs);
	s->maps = NULL;
	s->procs = NULL;
	s->devs = NULL;
	s->nmaps = s->nprocs = s->ndevs = 0;
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
	return x->key.ino < y->key.ino ? -1 : x->key.ino > y->key.ino;
}

static int u32_cmp(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/*
 * An empty table may have no array at all; qsort and bsearch must not be
 * handed a null array, even for 0 rows (C11 7.22.5).
 */
static void sort_rows(void *rows, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n)
		qsort(rows, n, size, cmp);
}

static const void *find_row(const void *key, const void *rows, size_t n, size_t size,
			    int (*cmp)(const void *, const void *))
{
	return n ? bsearch(key, rows, n, size, cmp) : NULL;
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

int wt_snapshot_delta(struct wt_snapshot *out, const struct wt_snapshot *cur, struct wt_snapshot *prev)
{
	memset(out, 0, sizeof(*out));
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

	out->maps = calloc(cur->nmaps ? cur->nmaps : 1, sizeof(*out->maps));
	out->procs = calloc(cur->nprocs ? cur->nprocs : 1, sizeof(*out->procs));
	out->devs = calloc(cur->ndevs ? cur->ndevs : 1, sizeof(*out->devs));
	if (!out->maps || !out->procs || !out->devs) {
		wt_snapshot_free(out);
		return -ENOMEM;
	}
	sort_rows(prev->maps, prev->nmaps, sizeof(*prev->maps), key_cmp);
	sort_rows(prev->procs, prev->nprocs, sizeof(*prev->procs), u32_cmp);
	sort_rows(prev->devs, prev->ndevs, sizeof(*prev->devs), u32_cmp);
	for (size_t i = 0; i < cur->nmaps; i++) {
		const struct wt_mapping_row *p = find_row(&cur->maps[i], prev->maps, prev->nmaps,
							  sizeof(*prev->maps), key_cmp);
		struct wt_mapping_row *o = &out->maps[out->nmaps];

		mapping_delta(&o->s, &cur->maps[i].s, p ? &p->s : NULL, prev->mono_ns, cur->mono_ns);
		if (!p)
			o->s.stable_ns = wt_stable_time_ns(&cur->maps[i].s, cur->mono_ns);
		o->key = cur->maps[i].key;
		out->nmaps++;
	}
	for (size_t i = 0; i < cur->nprocs; i++) {
		const struct wt_proc_row *p = find_row(&cur->procs[i].pid, prev->procs, prev->nprocs,
						       sizeof(*prev->procs), u32_cmp);
		struct wt_proc_row *o = &out->procs[out->nprocs++];

		*o = cur->procs[i];
		wt_hist_sub(&o->s.wait, &cur->procs[i].s.wait, p ? &p->s.wait : NULL);
		wt_hist_sub(&o->s.throttle, &cur->procs[i].s.throttle, p ? &p->s.throttle : NULL);
		if (p) {
			o->s.waits_during_wt = dsub(cur->procs[i].s.waits_during_wt, p->s.waits_during_wt);
			o->s.throttle_wt = dsub(cur->procs[i].s.throttle_wt, p->s.throttle_wt);
		}
	}
	for (size_t i = 0; i < cur->ndevs; i++) {
		const struct wt_dev_row *p = find_row(&cur->devs[i].dev, prev->devs, prev->ndevs,
						      sizeof(*prev->devs), u32_cmp);
		struct wt_dev_row *o = &out->devs[out->ndevs++];

		*o = cur->devs[i];
		wt_hist_sub(&o->s.wait, &cur->devs[i].s.wait, p ? &p->s.wait : NULL);
		wt_hist_sub(&o->s.throttle, &cur->devs[i].s.throttle, p ? &p->s.throttle : NULL);
		if (p) {
			o->s.other_waits = dsub(cur->devs[i].s.other_waits, p->s.other_waits);
			o->s.throttle_wt = dsub(cur->devs[i].s.throttle_wt, p->s.throttle_wt);
			o->s.drift_pages = dsub(cur->devs[i].s.drift_pages, p->s.drift_pages);
		}
	}
	return 0;
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

void wt_snapshot_sort(struct wt_snapshot *s)
{
	sort_rows(s->maps, s->nmaps, sizeof(*s->maps), by_wait_time);
	sort_rows(s->procs, s->nprocs, sizeof(*s->procs), proc_by_wait_time);
	sort_rows(s->devs, s->ndevs, sizeof(*s->devs), u32_cmp);
}
