// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Scratch filesystem on a loop device, see loopdev.h.
 *
 * Everything here must also work in a static binary on a minimal VM
 * (no udev, no util-linux), so the loop device is driven by ioctls and
 * its node is created by hand when devtmpfs did not provide it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* pipe2, strchrnul, pwritev2, sync_file_range */
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "loopdev.h"

#ifndef LOOP_CONFIGURE
#define LOOP_CONFIGURE 0x4C0A
#endif

#define LOOP_MAJOR		7
#define XFS_MIN_MB		300	/* current mkfs.xfs refuses smaller */
#define ATTACH_TRIES		8	/* other processes may race for a free loop */
#define UMOUNT_TRIES		20
#define UMOUNT_BACKOFF_NS	50000000L

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *tmp_base(void)
{
	const char *t = getenv("TMPDIR");

	/* leave room for "/wtstat-XXXXXX/image" inside dir[] */
	if (t && t[0] == '/' && strlen(t) < 200)
		return t;
	return "/tmp";
}

static int make_dirs(struct scratch_fs *fs, char *err, size_t errlen)
{
	snprintf(fs->dir, sizeof(fs->dir), "%s/wtstat-XXXXXX", tmp_base());
	if (!mkdtemp(fs->dir)) {
		int e = errno;

		seterr(err, errlen, "mkdtemp %s: %s", fs->dir, strerror(e));
		fs->dir[0] = '\0';
		return -e;
	}
	snprintf(fs->mnt, sizeof(fs->mnt), "%s/mnt", fs->dir);
	if (mkdir(fs->mnt, 0755)) {
		int e = errno;

		seterr(err, errlen, "mkdir %s: %s", fs->mnt, strerror(e));
		fs->mnt[0] = '\0';
		return -e;
	}
	return 0;
}

/* Returns an fd of the sparse image, or -errno. */
static int make_image(struct scratch_fs *fs, unsigned size_mb,
		      char *err, size_t errlen)
{
	int fd, e;

	snprintf(fs->image, sizeof(fs->image), "%s/image", fs->dir);
	fd = open(fs->image, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		e = errno;
		seterr(err, errlen, "create %s: %s", fs->image, strerror(e));
		fs->image[0] = '\0';
		return -e;
	}
	if (ftruncate(fd, (off_t)size_mb << 20)) {
		e = errno;
		seterr(err, errlen, "size %s to %u MB: %s", fs->image, size_mb,
		       strerror(e));
		close(fd);
		return -e;
	}
	return fd;
}

/* Open /dev/loopN, making the node when nothing populated /dev for us. */
static int open_loop_node(struct scratch_fs *fs, int n)
{
	int fd;

	snprintf(fs->loop, sizeof(fs->loop), "/dev/loop%d", n);
	fd = open(fs->loop, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT &&
	    !mknod(fs->loop, S_IFBLK | 0600, makedev(LOOP_MAJOR, n)))
		fd = open(fs->loop, O_RDWR | O_CLOEXEC);
	return fd;
}

/* For kernels before 5.8, which lack LOOP_CONFIGURE. */
static int loop_set_fd_legacy(int loop_fd, int img_fd)
{
	struct loop_info64 info = { .lo_flags = LO_FLAGS_AUTOCLEAR };

	if (ioctl(loop_fd, LOOP_SET_FD, img_fd))
		return -errno;
	if (ioctl(loop_fd, LOOP_SET_STATUS64, &info)) {
		int e = errno;

		ioctl(loop_fd, LOOP_CLR_FD, 0);
		return -e;
	}
	return 0;
}

static int loop_bind(int loop_fd, int img_fd)
{
	struct loop_config cfg = {
		.fd = (__u32)img_fd,
		.info.lo_flags = LO_FLAGS_AUTOCLEAR,
	};

	if (!ioctl(loop_fd, LOOP_CONFIGURE, &cfg))
		return 0;
	if (errno == EINVAL || errno == ENOTTY)
		return loop_set_fd_legacy(loop_fd, img_fd);
	return -errno;
}

static int attach_loop(struct scratch_fs *fs, int img_fd,
		       char *err, size_t errlen)
{
	int ctl, n, fd, ret = -EBUSY, try;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		ret = -errno;
		seterr(err, errlen, "open /dev/loop-control: %s (loop module?)",
		       strerror(-ret));
		return ret;
	}
	for (try = 0; try < ATTACH_TRIES; try++) {
		n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0) {
			ret = -errno;
			seterr(err, errlen, "LOOP_CTL_GET_FREE: %s",
			       strerror(-ret));
			break;
		}
		fd = open_loop_node(fs, n);
		if (fd < 0) {
			ret = -errno;
			seterr(err, errlen, "open %s: %s", fs->loop,
			       strerror(-ret));
			break;
		}
		ret = loop_bind(fd, img_fd);
		if (!ret) {
			fs->loop_fd = fd;
			break;
		}
		close(fd);
		seterr(err, errlen, "attach %s to %s: %s", fs->image, fs->loop,
		       strerror(-ret));
		if (ret != -EBUSY)
			break;
	}
	close(ctl);
	if (ret)
		fs->loop[0] = '\0';
	return ret;
}

static int set_stable(const struct scratch_fs *fs, bool stable,
		      char *err, size_t errlen)
{
	const char *name = strrchr(fs->loop, '/') + 1;
	char path[128];
	int fd, e;

	snprintf(path, sizeof(path), "/sys/block/%s/queue/stable_writes", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		/* a kernel without the knob never asks for stable pages here */
		if (!stable && e == ENOENT)
			return 0;
		seterr(err, errlen, "open %s: %s", path, strerror(e));
		return -e;
	}
	if (write(fd, stable ? "1" : "0", 1) != 1) {
		e = errno;
		seterr(err, errlen, "write %s: %s", path, strerror(e));
		close(fd);
		return -e;
	}
	close(fd);
	return 0;
}

static bool is_exec(const char *dir, size_t dirlen, const char *name,
		    char *buf, size_t len)
{
	int n = snprintf(buf, len, "%.*s/%s", (int)dirlen, dir, name);

	return n > 0 && (size_t)n < len && !access(buf, X_OK);
}

/* Look in PATH, then where Debian keeps mkfs even when PATH lacks it. */
static bool find_prog(const char *name, char *buf, size_t len)
{
	const char *p = getenv("PATH"), *end;

	while (p && *p) {
		end = strchrnul(p, ':');
		if (end > p && is_exec(p, (size_t)(end - p), name, buf, len))
			return true;
		p = *end ? end + 1 : end;
	}
	return is_exec("/usr/sbin", 9, name, buf, len) ||
	       is_exec("/sbin", 5, name, buf, len);
}

static void first_line(char *s)
{
	char *nl = strchr(s, '\n');

	if (nl)
		*nl = '\0';
}

static void child_exec(const char *path, char *const argv[], int err_fd)
{
	sigset_t none;
	int null = open("/dev/null", O_RDWR);

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	dup2(err_fd, STDERR_FILENO);
	execv(path, argv);
	_exit(127);
}

/* Drain the child's stderr, keeping what fits: mkfs explains itself there. */
static void read_all(int fd, char *buf, size_t len)
{
	size_t used = 0;
	char sink[256];
	ssize_t n;

	for (;;) {
		if (used + 1 < len)
			n = read(fd, buf + used, len - 1 - used);
		else
			n = read(fd, sink, sizeof(sink));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (used + 1 < len)
			used += (size_t)n;
	}
	buf[used] = '\0';
}

static int wait_child(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* Run a program silently; its first stderr line goes into err on failure. */
static int run_quiet(const char *path, char *const argv[],
		     char *err, size_t errlen)
{
	char msg[512];
	int pfd[2], status, ret;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(pfd[0]);
		close(pfd[1]);
		seterr(err, errlen, "fork: %s", strerror(-ret));
		return ret;
	}
	if (pid == 0)
		child_exec(path, argv, pfd[1]);
	close(pfd[1]);
	read_all(pfd[0], msg, sizeof(msg));
	close(pfd[0]);
	ret = wait_child(pid, &status);
	if (ret) {
		seterr(err, errlen, "waitpid %s: %s", path, strerror(-ret));
		return ret;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	first_line(msg);
	if (WIFEXITED(status))
		seterr(err, errlen, "%s exited %d: %s", path,
		       WEXITSTATUS(status), msg[0] ? msg : "(no message)");
	else
		seterr(err, errlen, "%s killed by signal %d", path,
		       WTERMSIG(status));
	return -EIO;
}

/* Decide between XFS and ext4; fills fs->fstype and the mkfs path. */
static int pick_fs(struct scratch_fs *fs, unsigned size_mb, const char *pref,
		   char *prog, size_t proglen, char *err, size_t errlen)
{
	bool want_xfs = !pref || !strcmp(pref, "xfs");

	if (!want_xfs && strcmp(pref, "ext4")) {
		seterr(err, errlen, "unsupported filesystem type '%s' (xfs, ext4)",
		       pref);
		return -EINVAL;
	}
	if (want_xfs && size_mb >= XFS_MIN_MB &&
	    find_prog("mkfs.xfs", prog, proglen)) {
		strcpy(fs->fstype, "xfs");
		return 0;
	}
	if (find_prog("mkfs.ext4", prog, proglen)) {
		strcpy(fs->fstype, "ext4");
		return 0;
	}
	seterr(err, errlen, "neither mkfs.xfs nor mkfs.ext4 found");
	return -ENOENT;
}

static int make_fs(struct scratch_fs *fs, unsigned size_mb, const char *pref,
		   char *err, size_t errlen)
{
	char prog[PATH_MAX];
	int ret;

	ret = pick_fs(fs, size_mb, pref, prog, sizeof(prog), err, errlen);
	if (ret)
		return ret;
	if (!strcmp(fs->fstype, "xfs")) {
		char *argv[] = { "mkfs.xfs", "-q", "-f", fs->loop, NULL };

		return run_quiet(prog, argv, err, errlen);
	} else {
		/*
		 * Initialise inode tables now: ext4lazyinit would otherwise
		 * write to the device during the measurement.
		 */
		char *argv[] = { "mkfs.ext4", "-q", "-F", "-E",
				 "lazy_itable_init=0,lazy_journal_init=0",
				 fs->loop, NULL };

		return run_quiet(prog, argv, err, errlen);
	}
}

static int do_mount(struct scratch_fs *fs, char *err, size_t errlen)
{
	if (mount(fs->loop, fs->mnt, fs->fstype, 0, NULL)) {
		int e = errno;

		seterr(err, errlen, "mount %s (%s) on %s: %s", fs->loop,
		       fs->fstype, fs->mnt, strerror(e));
		return -e;
	}
	fs->mounted = true;
	return 0;
}

static int setup(struct scratch_fs *fs, unsigned size_mb, bool stable,
		 const char *pref, char *err, size_t errlen)
{
	int img_fd, ret;

	ret = make_dirs(fs, err, errlen);
	if (ret)
		return ret;
	img_fd = make_image(fs, size_mb, err, errlen);
	if (img_fd < 0)
		return img_fd;
	ret = attach_loop(fs, img_fd, err, errlen);
	close(img_fd);
	if (ret)
		return ret;
	/* the loop device pins the inode; nothing to leak if we die later */
	if (!unlink(fs->image))
		fs->image[0] = '\0';
	/* must precede mount: the superblock copies the flag only then */
	ret = set_stable(fs, stable, err, errlen);
	if (ret)
		return ret;
	ret = make_fs(fs, size_mb, pref, err, errlen);
	if (ret)
		return ret;
	return do_mount(fs, err, errlen);
}

int scratch_fs_create(struct scratch_fs *fs, unsigned size_mb, bool stable,
		      const char *fstype_pref, char *err, size_t errlen)
{
	int ret;

	memset(fs, 0, sizeof(*fs));
	fs->loop_fd = -1;
	if (err && errlen)
		err[0] = '\0';
	if (!size_mb) {
		seterr(err, errlen, "image size must be > 0 MB");
		return -EINVAL;
	}
	ret = setup(fs, size_mb, stable, fstype_pref, err, errlen);
	if (ret)
		scratch_fs_destroy(fs);
	return ret;
}

static void unmount(const char *mnt)
{
	struct timespec ts = { 0, UMOUNT_BACKOFF_NS };
	int i;

	/* a reader still walking the tree (or a late blkid) may hold it briefly */
	for (i = 0; i < UMOUNT_TRIES; i++) {
		if (!umount2(mnt, 0) || errno != EBUSY)
			return;
		nanosleep(&ts, NULL);
	}
	umount2(mnt, MNT_DETACH);
}

void scratch_fs_destroy(struct scratch_fs *fs)
{
	if (fs->mounted) {
		unmount(fs->mnt);
		fs->mounted = false;
	}
	if (fs->loop_fd >= 0) {
		/*
		 * If the filesystem is still alive (lazy unmount), the kernel
		 * turns this into autoclear, detaching on the last close.
		 */
		ioctl(fs->loop_fd, LOOP_CLR_FD, 0);
		close(fs->loop_fd);
		fs->loop_fd = -1;
	}
	if (fs->image[0]) {
		unlink(fs->image);
		fs->image[0] = '\0';
	}
	if (fs->mnt[0]) {
		rmdir(fs->mnt);
		fs->mnt[0] = '\0';
	}
	if (fs->dir[0]) {
		rmdir(fs->dir);
		fs->dir[0] = '\0';
	}
}

dev_t scratch_fs_dev(const struct scratch_fs *fs)
{
	struct stat st;

	if (!fs->mounted || stat(fs->mnt, &st))
		return 0;
	return st.st_dev;
}
