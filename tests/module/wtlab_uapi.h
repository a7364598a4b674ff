/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * wtlab: user interface of the test module that stands in for a kernel with
 * the RWF_WRITETHROUGH stable-writes RFC (see wtlab.c). Shared by the module
 * and by user space (tests/vm/wtlab-ctl.c, and any test of wtstat).
 *
 * Device: /dev/wtlab (misc device, dynamic minor).
 */
#ifndef WTLAB_UAPI_H
#define WTLAB_UAPI_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define WTLAB_DEVICE "/dev/wtlab"

/*
 * One call = @count writethrough requests on the file open at @fd, each over
 * the byte range [@offset, @offset + @len) (or, with WTLAB_F_STRIDE, request
 * i over [@offset + i*@len, +@len)). Per request: one call to
 * wtlab_file_writethrough_write(); per folio in the range, the patch's flow:
 *   lock, folio_wait_writeback, clear dirty (accounted), inode_writethrough_begin,
 *   folio_start_writeback, unlock;  after @hold_ms: folio_end_writeback,
 *   wtlab_dio_complete() -> inode_writethrough_end.
 * So a request over k folios makes k begins and k ends.
 * Pages not in the page cache are read in first. The data is not written to
 * the device: a folio that was dirty ends up clean with its data only in the
 * cache, so use it on files that were fsync()ed, or on scratch files. On
 * buffer-head file systems (ext4) the folio's buffers stay dirty, so later
 * writes do not dirty the folio again: use xfs (iomap, as the RFC) for
 * dirty-accounting tests.
 */
struct wtlab_wt_req {
	__s32 fd;
	__u32 __pad0;		/* must be 0 */
	__u64 offset;		/* bytes */
	__u64 len;		/* bytes, > 0 */
	__u32 count;		/* number of requests, > 0 */
	__u32 hold_ms;		/* time each folio stays under writeback */
	__u32 flags;		/* WTLAB_F_* */
	__u32 __pad1;		/* must be 0 */
};

/* return at once: submission and completion run in module workers;
 * WTLAB_IOC_WAIT waits for them. Without it the call returns after the
 * last completion. */
#define WTLAB_F_ASYNC		(1u << 0)
/* clear the dirty flag with folio_mkclean() + folio_clear_dirty(), i.e.
 * without dirty accounting, as RFC v1 does (leaks one page of nr_dirty per
 * folio that was dirty) */
#define WTLAB_F_NOACCT		(1u << 1)
/* control: same writeback window, but no inode_writethrough_begin/end (the
 * completion is called without WTLAB_DIO_BUF_WRITETHROUGH) */
#define WTLAB_F_NO_BEGIN	(1u << 2)
/* request i covers [offset + i*len, offset + (i+1)*len) */
#define WTLAB_F_STRIDE		(1u << 3)
#define WTLAB_F_ALL		0xfu

/* flags argument of wtlab_dio_complete(), like IOMAP_DIO_BUF_WRITETHROUGH */
#define WTLAB_DIO_BUF_WRITETHROUGH	(1u << 5)

/* WTLAB_IOC_STATE: in @fd, out the rest */
struct wtlab_state {
	__s32 fd;
	__s32 inflight;		/* the module's per-inode count (may go < 0) */
	__u32 mapping_stable;	/* AS_STABLE_WRITES (or SB_I_STABLE_WRITES) set */
	__u32 dev_stable;	/* the backing device requires stable writes */
	__u64 ino;
	__u64 busy;		/* requests/batches of all callers not yet finished */
};

#define WTLAB_IOC_WRITETHROUGH	_IOW('W', 1, struct wtlab_wt_req)
#define WTLAB_IOC_WAIT		_IO('W', 2)	/* wait until no async work is left */
#define WTLAB_IOC_STATE		_IOWR('W', 3, struct wtlab_state)
/* call inode_writethrough_begin / _end @count times on @fd's inode without
 * any folio work (other fields ignored): for anomaly tests (leaked begin,
 * end without begin, count going negative) */
#define WTLAB_IOC_BEGIN		_IOW('W', 4, struct wtlab_wt_req)
#define WTLAB_IOC_END		_IOW('W', 5, struct wtlab_wt_req)

#endif
