/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A private, self-cleaning test filesystem on a loop device.
 *
 * The point of it is control over stable_writes: the flag is copied from
 * the block device into the superblock (and from there into every mapping)
 * at mount time, so it has to be set on the loop device before mkfs and
 * mount. A fresh loop device is the one place a test can do that without
 * touching real disks.
 */
#ifndef WTSTAT_LOOPDEV_H
#define WTSTAT_LOOPDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct scratch_fs {
	char dir[256];		/* mkdtemp'd work dir, e.g. /tmp/wtstat-XXXXXX */
	char image[300];	/* sparse backing file inside dir */
	char loop[64];		/* /dev/loopN */
	char mnt[300];		/* mount point inside dir */
	char fstype[8];		/* "xfs" or "ext4" */
	int loop_fd;		/* -1 when none */
	bool mounted;
};

/* Lets scratch_fs_destroy() be called before (or without) a create. */
#define SCRATCH_FS_INIT { .loop_fd = -1 }

/*
 * Create a sparse image of size_mb in a new temporary directory, attach it
 * to a free loop device (auto-clearing), set the device's stable_writes to
 * @stable, make a filesystem and mount it.
 *
 * @fstype_pref: NULL or "xfs" picks XFS when mkfs.xfs is found (PATH,
 * /sbin, /usr/sbin) and size_mb >= 300, ext4 otherwise; "ext4" forces ext4.
 * Anything else is an error.
 *
 * The image is unlinked as soon as the loop device holds it, so a process
 * that dies without cleaning up leaks at most a mount and two directories.
 *
 * Returns 0, or a negative errno with a one-line reason in @err; on failure
 * everything done so far has been undone.
 */
int scratch_fs_create(struct scratch_fs *fs, unsigned size_mb, bool stable,
		      const char *fstype_pref, char *err, size_t errlen);

/*
 * Unmount (detaching lazily if still busy), release the loop device and
 * remove the image and directories. Idempotent, and async-signal-safe:
 * it only makes system calls on paths built by scratch_fs_create().
 */
void scratch_fs_destroy(struct scratch_fs *fs);

/* st_dev of the mounted filesystem (user-space makedev encoding), 0 on error. */
dev_t scratch_fs_dev(const struct scratch_fs *fs);

#endif /* WTSTAT_LOOPDEV_H */
