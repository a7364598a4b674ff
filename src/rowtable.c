// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include "rowtable.h"
#include "wtstat.skel.h"

static size_t page_round(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	return (n + pg - 1) / pg * pg;
}

/* An array's mapping covers max_entries values of value_size rounded to 8. */
static void *map_array(int fd, __u32 want_value_size, __u32 *max, size_t *len, bool writable)
{
	struct bpf_map_info info = {};
	__u32 ilen = sizeof(info);
	void *p;

	if (bpf_obj_get_info_by_fd(fd, &info, &ilen))
		return NULL;
	if (info.type != BPF_MAP_TYPE_ARRAY || !(info.map_flags & BPF_F_MMAPABLE) ||
	    info.value_size != want_value_size || want_value_size % 8) {
		errno = EINVAL;
		return NULL;
	}
	*len = page_round((size_t)info.value_size * info.max_entries);
	*max = info.max_entries;
	p = mmap(NULL, *len, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

int wt_row_table_map(struct wt_row_table *t, int rows_fd, int claims_fd, bool writable)
{
	__u32 one;
	int e;

	memset(t, 0, sizeof(*t));
	t->rows = map_array(rows_fd, sizeof(*t->rows), &t->max, &t->rows_len, writable);
	if (!t->rows)
		return -errno;
	t->claims = map_array(claims_fd, sizeof(*t->claims), &one, &t->claims_len, writable);
	if (!t->claims) {
		e = -errno;
		munmap(t->rows, t->rows_len);
		memset(t, 0, sizeof(*t));
		return e;
	}
	return 0;
}

void wt_row_table_unmap(struct wt_row_table *t)
{
	if (t->rows)
		munmap(t->rows, t->rows_len);
	if (t->claims)
		munmap(t->claims, t->claims_len);
	memset(t, 0, sizeof(*t));
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
