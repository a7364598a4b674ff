// SPDX-License-Identifier: GPL-2.0
/*
 * wtlab: a stand-in for a kernel carrying the RWF_WRITETHROUGH stable-writes
 * RFC ("iomap: Enable stable writes for RWF_WRITETHROUGH inodes", v1), so
 * that wtstat's probes can be tested on a stock kernel.
 *
 * Exported, out of line (noinline + noipa, so every call goes through the
 * symbol):
 *   inode_writethrough_begin(inode)  set stable writes on inode->i_mapping,
 *                                    then in-flight count += 1
 *   inode_writethrough_end(inode)    count -= 1; at 0 clear stable writes,
 *                                    unless the device requires them
 *                                    (v1_clear=1: clear anyway, as RFC v1)
 *   wtlab_file_writethrough_write(iocb, from, wt_ops, private)
 *                                    one call per request (like
 *                                    iomap_file_writethrough_write)
 *   wtlab_dio_complete(dio)     one call per folio I/O completion (like
 *                                    iomap_dio_complete); calls _end when
 *                                    flags & WTLAB_DIO_BUF_WRITETHROUGH
 *   mapping_set_stable_writes(mapping), mapping_clear_stable_writes(mapping)
 *                                    out-of-line versions of the kernel's
 *                                    static inlines; begin/end use them when
 *                                    expose_stable_helpers=1
 *
 * The in-flight count lives in the module (hash keyed by inode), as the
 * stock struct address_space has no i_wt_count.
 *
 * Built with -DWTLAB_NOTRACE (module wtlab_notrace.ko), begin and end are
 * notrace like the patch's `inline` functions, so kprobes/fentry on them are
 * refused; and begin's body is inlined into the writethrough path (the
 * symbol exists but is never called), as gcc does in the patched
 * fs/iomap/buffered-io.c. End is still called through its symbol from
 * wtlab_dio_complete, as from iomap_dio_complete.
 *
 * User interface: /dev/wtlab, see wtlab_uapi.h.
 */

/*
 * The kernel headers (6.1.72+, 6.7+) define mapping_{set,clear}_stable_writes
 * as static inlines; rename theirs so that ours can carry the exact names.
 */
#define mapping_set_stable_writes	wtlab_hdr_mapping_set_stable_writes
#define mapping_clear_stable_writes	wtlab_hdr_mapping_clear_stable_writes

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/pagemap.h>
#include <linux/writeback.h>
#include <linux/rmap.h>
#include <linux/blkdev.h>
#include <linux/miscdevice.h>
#include <linux/workqueue.h>
#include <linux/hashtable.h>
#include <linux/spinlock.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/uaccess.h>
#include <linux/log2.h>
#include <linux/sched/signal.h>

#undef mapping_set_stable_writes
#undef mapping_clear_stable_writes

#include "wtlab_uapi.h"

/* the exported interface (a patched kernel declares these in its headers) */
void mapping_set_stable_writes(struct address_space *mapping);
void mapping_clear_stable_writes(struct address_space *mapping);
void inode_writethrough_begin(struct inode *inode);
void inode_writethrough_end(struct inode *inode);
struct wtlab_dio;
ssize_t wtlab_dio_complete(struct wtlab_dio *dio);
ssize_t wtlab_file_writethrough_write(struct kiocb *iocb, struct iov_iter *from, const void *wt_ops,
				      void *private);

#ifdef WTLAB_NOTRACE
#define WT_HOOK		noinline __attribute__((__noipa__)) notrace
#define WT_VARIANT	"notrace"
#else
#define WT_HOOK		noinline __attribute__((__noipa__))
#define WT_VARIANT	"traceable"
#endif
/* the neighbours are traceable in both variants, as in the patched kernel */
#define WT_NEIGHBOUR	noinline __attribute__((__noipa__))

static bool expose_stable_helpers;
module_param(expose_stable_helpers, bool, 0644);
MODULE_PARM_DESC(expose_stable_helpers,
		 "begin/end set and clear stable writes through the exported mapping_set_stable_writes/mapping_clear_stable_writes");

static bool v1_clear;
module_param(v1_clear, bool, 0644);
MODULE_PARM_DESC(v1_clear,
		 "clear stable writes when the count reaches 0 even if the device requires them (RFC v1 behaviour)");

/* ---- stable-writes flag ------------------------------------------------- */

static __always_inline void wt_set_stable(struct address_space *mapping)
{
#ifdef WTLAB_HAVE_AS_STABLE_WRITES
	set_bit(AS_STABLE_WRITES, &mapping->flags);
#else
	/* before 6.1.72/6.7 the flag is per superblock */
	set_bit(ilog2(SB_I_STABLE_WRITES), &mapping->host->i_sb->s_iflags);
#endif
}

static __always_inline void wt_clear_stable(struct address_space *mapping)
{
#ifdef WTLAB_HAVE_AS_STABLE_WRITES
	clear_bit(AS_STABLE_WRITES, &mapping->flags);
#else
	clear_bit(ilog2(SB_I_STABLE_WRITES), &mapping->host->i_sb->s_iflags);
#endif
}

static bool wt_mapping_stable(struct address_space *mapping)
{
#ifdef WTLAB_HAVE_AS_STABLE_WRITES
	return test_bit(AS_STABLE_WRITES, &mapping->flags);
#else
	return mapping->host->i_sb->s_iflags & SB_I_STABLE_WRITES;
#endif
}

static bool wt_dev_requires_stable(struct inode *inode)
{
	struct super_block *sb = inode->i_sb;

	if (sb->s_bdev && bdev_stable_writes(sb->s_bdev))
		return true;
#ifdef WTLAB_HAVE_AS_STABLE_WRITES
	/* set at mount time when the device wanted stable writes */
	if (sb->s_iflags & SB_I_STABLE_WRITES)
		return true;
#endif
	return false;
}

WT_NEIGHBOUR void mapping_set_stable_writes(struct address_space *mapping)
{
	wt_set_stable(mapping);
}
EXPORT_SYMBOL_GPL(mapping_set_stable_writes);

WT_NEIGHBOUR void mapping_clear_stable_writes(struct address_space *mapping)
{
	wt_clear_stable(mapping);
}
EXPORT_SYMBOL_GPL(mapping_clear_stable_writes);

/* ---- per-inode in-flight count ------------------------------------------ */

struct wt_count {
	struct hlist_node node;
	struct inode *inode;		/* key; no reference held */
	unsigned long ino;		/* to notice a reused inode address */
	struct super_block *sb;
	int count;
};

static DEFINE_HASHTABLE(wt_counts, 8);
static DEFINE_SPINLOCK(wt_counts_lock);

static struct wt_count *wt_count_find(struct inode *inode)
{
	struct wt_count *c;

	hash_for_each_possible(wt_counts, c, node, (unsigned long)inode)
		if (c->inode == inode)
			return c;
	return NULL;
}

/* add @delta to @inode's count, return the new value */
static int wt_count_add(struct inode *inode, int delta)
{
	struct wt_count *c, *fresh = NULL;
	int v;

again:
	spin_lock(&wt_counts_lock);
	c = wt_count_find(inode);
	if (!c) {
		if (!fresh) {
			spin_unlock(&wt_counts_lock);
			/* NOFS: begin runs with a folio locked */
			fresh = kzalloc(sizeof(*fresh), GFP_NOFS | __GFP_NOFAIL);
			goto again;
		}
		c = fresh;
		fresh = NULL;
		c->inode = inode;
		hash_add(wt_counts, &c->node, (unsigned long)inode);
	} else if (c->ino != inode->i_ino || c->sb != inode->i_sb) {
		c->count = 0;	/* a freed inode's leaked count: start over */
	}
	c->ino = inode->i_ino;
	c->sb = inode->i_sb;
	c->count += delta;
	v = c->count;
	if (!v) {
		hash_del(&c->node);
		kfree(c);
	}
	spin_unlock(&wt_counts_lock);
	kfree(fresh);
	return v;
}

static int wt_count_get(struct inode *inode)
{
	struct wt_count *c;
	int v = 0;

	spin_lock(&wt_counts_lock);
	c = wt_count_find(inode);
	if (c && c->ino == inode->i_ino && c->sb == inode->i_sb)
		v = c->count;
	spin_unlock(&wt_counts_lock);
	return v;
}

/* ---- the RFC's functions ------------------------------------------------ */

/* the body of begin, also inlined at the call site in the notrace variant */
static __always_inline void __wt_begin(struct inode *inode)
{
	/* as the patch: stable first, then the count */
	if (READ_ONCE(expose_stable_helpers))
		mapping_set_stable_writes(inode->i_mapping);
	else
		wt_set_stable(inode->i_mapping);
	wt_count_add(inode, 1);
}

WT_HOOK void inode_writethrough_begin(struct inode *inode)
{
	__wt_begin(inode);
}
EXPORT_SYMBOL_GPL(inode_writethrough_begin);

WT_HOOK void inode_writethrough_end(struct inode *inode)
{
	if (wt_count_add(inode, -1) != 0)
		return;
	if (!READ_ONCE(v1_clear) && wt_dev_requires_stable(inode))
		return;
	if (READ_ONCE(expose_stable_helpers))
		mapping_clear_stable_writes(inode->i_mapping);
	else
		wt_clear_stable(inode->i_mapping);
}
EXPORT_SYMBOL_GPL(inode_writethrough_end);

#ifdef WTLAB_NOTRACE
#define wt_begin_call(inode)	__wt_begin(inode)	/* no call site, as in the patch */
#else
#define wt_begin_call(inode)	inode_writethrough_begin(inode)
#endif

/* ---- writethrough requests ---------------------------------------------- */

static struct workqueue_struct *wt_submit_wq;	/* ordered: async submissions */
static struct workqueue_struct *wt_io_wq;	/* unbound: completions */
static DECLARE_WAIT_QUEUE_HEAD(wt_waitq);
static atomic_t wt_busy = ATOMIC_INIT(0);	/* live batches */

struct wt_batch {
	refcount_t refs;
	atomic_t inflight;		/* folio I/Os not yet completed */
	struct file *file;
	struct wtlab_wt_req req;
	struct work_struct submit;	/* WTLAB_F_ASYNC */
	ssize_t err;
};

struct wt_io {
	struct delayed_work dwork;
	struct folio *folio;
	struct wt_batch *b;
};

static void wt_batch_put(struct wt_batch *b)
{
	if (!refcount_dec_and_test(&b->refs))
		return;
	fput(b->file);
	kfree(b);
	if (atomic_dec_and_test(&wt_busy))
		wake_up_all(&wt_waitq);
}

/*
 * The leading members of fs/iomap/direct-io.c's private struct iomap_dio,
 * in its order (the same on 6.1 and 6.18): a tracer that reads
 * dio->flags and dio->iocb->ki_filp through the kernel's BTF finds them
 * here as in a real completion.
 */
struct wtlab_dio {
	struct kiocb *iocb;
	const void *dops;
	loff_t i_size;
	loff_t size;
	atomic_t ref;
	unsigned int flags;
	int error;
};

WT_NEIGHBOUR ssize_t wtlab_dio_complete(struct wtlab_dio *dio)
{
	if (dio->flags & WTLAB_DIO_BUF_WRITETHROUGH)
		inode_writethrough_end(file_inode(dio->iocb->ki_filp));
	return dio->size;
}
EXPORT_SYMBOL_GPL(wtlab_dio_complete);

static void wt_io_done(struct work_struct *work)
{
	struct wt_io *io = container_of(to_delayed_work(work), struct wt_io, dwork);
	struct wt_batch *b = io->b;
	struct kiocb kiocb;
	struct wtlab_dio dio = { .iocb = &kiocb, .size = folio_size(io->folio),
				 .flags = (b->req.flags & WTLAB_F_NO_BEGIN) ? 0 : WTLAB_DIO_BUF_WRITETHROUGH };

	init_sync_kiocb(&kiocb, b->file);
	folio_end_writeback(io->folio);
	folio_put(io->folio);
	wtlab_dio_complete(&dio);
	kfree(io);
	if (atomic_dec_and_test(&b->inflight))
		wake_up_all(&wt_waitq);
	wt_batch_put(b);
}

/*
 * One request: the patch's per-folio preparation, then "submit" a fake I/O
 * that completes after hold_ms. Returns the bytes covered or an error.
 */
struct wt_req_ctx {
	struct wt_batch *b;
	size_t len;
};

/* Arguments as iomap_file_writethrough_write(): the range is in iocb and ctx. */
WT_NEIGHBOUR ssize_t wtlab_file_writethrough_write(struct kiocb *iocb, struct iov_iter *from,
						   const void *wt_ops, void *private)
{
	struct wt_req_ctx *ctx = private;
	struct wt_batch *b = ctx->b;
	struct file *file = iocb->ki_filp;
	loff_t pos = iocb->ki_pos;
	size_t len = ctx->len;
	struct address_space *mapping = file->f_mapping;
	struct inode *inode = mapping->host;
	pgoff_t index = pos >> PAGE_SHIFT;
	pgoff_t last = (pos + len - 1) >> PAGE_SHIFT;
	ssize_t done = 0;

	while (index <= last) {
		struct folio *folio;
		struct wt_io *io;
		loff_t fstart, fend;

		if (fatal_signal_pending(current))
			return done ?: -EINTR;
		io = kzalloc(sizeof(*io), GFP_KERNEL);
		if (!io)
			return done ?: -ENOMEM;
		folio = read_mapping_folio(mapping, index, file);
		if (IS_ERR(folio)) {
			kfree(io);
			return done ?: PTR_ERR(folio);
		}
		folio_lock(folio);
		if (folio->mapping != mapping) {	/* truncated meanwhile */
			folio_unlock(folio);
			folio_put(folio);
			kfree(io);
			continue;
		}
		/* folio_prepare_writethrough() */
		folio_wait_writeback(folio);
		if (b->req.flags & WTLAB_F_NOACCT) {
			if (folio_mapped(folio))
				folio_mkclean(folio);
			folio_clear_dirty(folio);	/* RFC v1: no accounting */
		} else {
			folio_clear_dirty_for_io(folio);
		}
		if (!(b->req.flags & WTLAB_F_NO_BEGIN))
			wt_begin_call(inode);
		folio_start_writeback(folio);
		folio_unlock(folio);

		io->folio = folio;	/* keeps read_mapping_folio's reference */
		io->b = b;
		refcount_inc(&b->refs);
		atomic_inc(&b->inflight);
		INIT_DELAYED_WORK(&io->dwork, wt_io_done);
		queue_delayed_work(wt_io_wq, &io->dwork,
				   msecs_to_jiffies(b->req.hold_ms));

		fstart = max_t(loff_t, folio_pos(folio), pos);
		fend = min_t(loff_t, folio_pos(folio) + folio_size(folio), pos + len);
		done += fend - fstart;
		index = folio->index + folio_nr_pages(folio);
	}
	return done;
}
EXPORT_SYMBOL_GPL(wtlab_file_writethrough_write);

static void wt_batch_run(struct wt_batch *b)
{
	u32 i;

	for (i = 0; i < b->req.count; i++) {
		loff_t pos = b->req.offset;
		ssize_t r;

		if (b->req.flags & WTLAB_F_STRIDE)
			pos += (loff_t)i * b->req.len;
		struct wt_req_ctx ctx = { .b = b, .len = b->req.len };
		struct kiocb kiocb;

		init_sync_kiocb(&kiocb, b->file);
		kiocb.ki_pos = pos;
		r = wtlab_file_writethrough_write(&kiocb, NULL, NULL, &ctx);
		if (r < 0) {
			b->err = r;
			pr_warn_ratelimited("wtlab: request %u at %lld: error %zd\n",
					    i, pos, r);
			break;
		}
		cond_resched();
	}
}

static void wt_submit_work(struct work_struct *work)
{
	struct wt_batch *b = container_of(work, struct wt_batch, submit);

	wt_batch_run(b);
	wt_batch_put(b);
}

static long wt_ioctl_writethrough(const struct wtlab_wt_req *req)
{
	struct wt_batch *b;
	struct file *file;
	loff_t end;
	long ret;

	if (req->__pad0 || req->__pad1 || (req->flags & ~WTLAB_F_ALL) ||
	    !req->len || !req->count)
		return -EINVAL;
	if (check_add_overflow((loff_t)req->offset, (loff_t)req->len, &end) ||
	    (loff_t)req->offset < 0 || end < 0)
		return -EINVAL;
	if (req->flags & WTLAB_F_STRIDE) {
		u64 span;

		if (check_mul_overflow(req->len, (u64)req->count, &span) ||
		    span > (u64)LLONG_MAX - req->offset)
			return -EINVAL;
	}
	file = fget(req->fd);
	if (!file)
		return -EBADF;
	if (!S_ISREG(file_inode(file)->i_mode) || !file->f_mapping->a_ops->read_folio) {
		fput(file);
		return -EINVAL;
	}
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b) {
		fput(file);
		return -ENOMEM;
	}
	refcount_set(&b->refs, 1);
	b->file = file;
	b->req = *req;
	atomic_inc(&wt_busy);

	if (req->flags & WTLAB_F_ASYNC) {
		INIT_WORK(&b->submit, wt_submit_work);
		queue_work(wt_submit_wq, &b->submit);	/* owns our reference */
		return 0;
	}
	wt_batch_run(b);
	/* the caller waits for the completions like a synchronous write */
	wait_event(wt_waitq, atomic_read(&b->inflight) == 0);
	ret = b->err;
	wt_batch_put(b);
	return ret;
}

static long wt_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;
	struct wtlab_wt_req req;
	struct wtlab_state st;
	struct file *file;
	u32 i;

	switch (cmd) {
	case WTLAB_IOC_WRITETHROUGH:
		if (copy_from_user(&req, uarg, sizeof(req)))
			return -EFAULT;
		return wt_ioctl_writethrough(&req);
	case WTLAB_IOC_WAIT:
		return wait_event_interruptible(wt_waitq, atomic_read(&wt_busy) == 0);
	case WTLAB_IOC_STATE:
		if (copy_from_user(&st, uarg, sizeof(st)))
			return -EFAULT;
		file = fget(st.fd);
		if (!file)
			return -EBADF;
		st.inflight = wt_count_get(file_inode(file));
		st.mapping_stable = wt_mapping_stable(file->f_mapping);
		st.dev_stable = wt_dev_requires_stable(file_inode(file));
		st.ino = file_inode(file)->i_ino;
		st.busy = atomic_read(&wt_busy);
		fput(file);
		return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
	case WTLAB_IOC_BEGIN:
	case WTLAB_IOC_END:
		if (copy_from_user(&req, uarg, sizeof(req)))
			return -EFAULT;
		file = fget(req.fd);
		if (!file)
			return -EBADF;
		for (i = 0; i < req.count; i++) {
			if (cmd == WTLAB_IOC_BEGIN)
				wt_begin_call(file_inode(file));
			else
				inode_writethrough_end(file_inode(file));
		}
		fput(file);
		return 0;
	}
	return -ENOTTY;
}

static const struct file_operations wt_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= wt_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice wt_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "wtlab",
	.fops	= &wt_fops,
	.mode	= 0600,
};

static int __init wt_init(void)
{
	int ret;

	wt_submit_wq = alloc_ordered_workqueue("wtlab_submit", 0);
	wt_io_wq = alloc_workqueue("wtlab_io", WQ_UNBOUND, 0);
	if (!wt_submit_wq || !wt_io_wq) {
		ret = -ENOMEM;
		goto err;
	}
	ret = misc_register(&wt_misc);
	if (ret)
		goto err;
	pr_info("wtlab: %s variant loaded, /dev/%s%s\n", WT_VARIANT, wt_misc.name,
#ifdef WTLAB_HAVE_AS_STABLE_WRITES
		", AS_STABLE_WRITES"
#else
		", SB_I_STABLE_WRITES"
#endif
		);
	return 0;
err:
	if (wt_submit_wq)
		destroy_workqueue(wt_submit_wq);
	if (wt_io_wq)
		destroy_workqueue(wt_io_wq);
	return ret;
}

static void __exit wt_exit(void)
{
	struct wt_count *c;
	struct hlist_node *tmp;
	int bkt;

	misc_deregister(&wt_misc);
	wait_event(wt_waitq, atomic_read(&wt_busy) == 0);
	destroy_workqueue(wt_submit_wq);
	destroy_workqueue(wt_io_wq);
	hash_for_each_safe(wt_counts, bkt, tmp, c, node) {
		hash_del(&c->node);
		kfree(c);
	}
}

module_init(wt_init);
module_exit(wt_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wtstat lab: stand-in for the RWF_WRITETHROUGH stable-writes RFC");
