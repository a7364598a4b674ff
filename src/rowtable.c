// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include "rowtable.h"

#define FIRST_ROWS	1024	/* mapped at first: 624 KiB */

static size_t page_round(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (n + pg - 1) / pg * pg;
}

/* An mmapable array of max_entries values of want_value_size bytes, or -errno. */
static int check_array(int fd, __u32 want_value_size, __u32 *max)
{
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &ilen))
		return -errno;
	if (info.type != BPF_MAP_TYPE_ARRAY || !(info.map_flags & BPF_F_MMAPABLE) ||
	    info.value_size != want_value_size || want_value_size % 8)
		return -EINVAL;
	*max = info.max_entries;
	return 0;
}

/* The kernel maps an array's values from offset 0, as many pages as asked for. */
static void *map_values(int fd, size_t len, bool writable)
{
	void *p = mmap(NULL, len, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

int wt_row_table_cover(struct wt_row_table *t, __u32 n)
{
	__u32 want = t->nmapped ? t->nmapped : FIRST_ROWS;
	size_t len;
	void *p;

	if (n > t->max)
		n = t->max;
	if (n <= t->nmapped)
		return 0;
	if (t->rows_fd < 0)
		return -EINVAL;
	while (want < n)
		want = want > t->max / 2 ? t->max : want * 2;
	if (want > t->max)
		want = t->max;
	len = page_round((size_t)want * sizeof(*t->rows));
	p = map_values(t->rows_fd, len, t->writable);
	if (!p)
		return -errno;
	if (t->rows)
		munmap(t->rows, t->rows_len);
	t->rows = p;
	t->rows_len = len;
	t->nmapped = want;
	return 0;
}

int wt_row_table_map(struct wt_row_table *t, int rows_fd, int claims_fd, bool writable)
{
	__u32 one;
	int e;

	memset(t, 0, sizeof(*t));
	t->rows_fd = rows_fd;
	t->writable = writable;
	if ((e = check_array(rows_fd, sizeof(*t->rows), &t->max)) ||
	    (e = check_array(claims_fd, sizeof(*t->claims), &one)))
		goto fail;
	t->claims_len = page_round(sizeof(*t->claims));
	t->claims = map_values(claims_fd, t->claims_len, writable);
	if (!t->claims) {
		e = -errno;
		goto fail;
	}
	e = wt_row_table_cover(t, wt_row_table_used(t) > 1 ? wt_row_table_used(t) : 1);
	if (!e)
		return 0;
fail:
	wt_row_table_unmap(t);
	return e;
}

void wt_row_table_unmap(struct wt_row_table *t)
{
	if (t->rows && t->rows_fd >= 0)
		munmap(t->rows, t->rows_len);
	if (t->claims && t->rows_fd >= 0)
		munmap(t->claims, t->claims_len);
	memset(t, 0, sizeof(*t));
	t->rows_fd = -1;
}
