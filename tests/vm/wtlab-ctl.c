// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * wtlab-ctl: drive the wtlab test module (/dev/wtlab) from a test script.
 * Built static (gcc -static) so it runs in the busybox initramfs.
 *
 *   wtlab-ctl wt FILE [-o OFF] [-l LEN] [-n COUNT] [-H HOLD_MS] [-a] [-N] [-B] [-s]
 *       COUNT writethrough requests over [OFF, OFF+LEN) (defaults 0, 4096, 1, 0)
 *       -a ASYNC (return at once)  -N NOACCT (RFC v1 dirty clear)
 *       -B NO_BEGIN (control: writeback window without begin/end)
 *       -s STRIDE (request i at OFF + i*LEN)
 *   wtlab-ctl wait                          wait until no async work is left
 *   wtlab-ctl state FILE                    ino= inflight= mapping_stable= dev_stable= busy=
 *   wtlab-ctl begin|end FILE [-n COUNT]     call begin/end COUNT times, nothing else
 *   wtlab-ctl pwrite FILE [-o OFF] [-l LEN] [-n MAX] [-t SECONDS] [-u]
 *       rewrite [OFF, OFF+LEN) with pwrite() up to MAX times or for SECONDS;
 *       -u: stop as soon as the module is idle (no async work left), after
 *       at least one write. Prints: writes=N max_us=U slow_1ms=K
 *
 * Exit status: 0 ok, 1 the operation failed (message on stderr), 2 usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "wtlab_uapi.h"

static const char *prog = "wtlab-ctl";

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s wt FILE [-o OFF] [-l LEN] [-n COUNT] [-H HOLD_MS] [-a] [-N] [-B] [-s]\n"
		"       %s wait\n"
		"       %s state FILE\n"
		"       %s begin|end FILE [-n COUNT]\n"
		"       %s pwrite FILE [-o OFF] [-l LEN] [-n MAX] [-t SECONDS] [-u]\n",
		prog, prog, prog, prog, prog);
	exit(2);
}

static unsigned long long num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		die("bad number '%s'", s);
	return v;
}

static int dev_open(void)
{
	int fd = open(WTLAB_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("cannot open %s (is the wtlab module loaded?)", WTLAB_DEVICE);
	return fd;
}

static int file_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		die("cannot open %s", path);
	return fd;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct wtlab_state get_state(int dev, int fd)
{
	struct wtlab_state st = { .fd = fd };

	if (ioctl(dev, WTLAB_IOC_STATE, &st))
		die("WTLAB_IOC_STATE: %s", strerror(errno));
	return st;
}

int main(int argc, char **argv)
{
	struct wtlab_wt_req req = { .len = 4096, .count = 1 };
	const char *cmd, *path = NULL;
	double seconds = 0;
	unsigned long long max = 0;
	int until_idle = 0, opt, dev, fd;

	if (argc < 2)
		usage();
	cmd = argv[1];
	if (strcmp(cmd, "wait") && argc >= 3 && argv[2][0] != '-')
		path = argv[2];
	optind = path ? 3 : 2;
	while ((opt = getopt(argc, argv, "o:l:n:H:t:aNBsu")) != -1) {
		switch (opt) {
		case 'o': req.offset = num(optarg); break;
		case 'l': req.len = num(optarg); break;
		case 'n': max = num(optarg); req.count = (uint32_t)max; break;
		case 'H': req.hold_ms = (uint32_t)num(optarg); break;
		case 't': seconds = strtod(optarg, NULL); break;
		case 'a': req.flags |= WTLAB_F_ASYNC; break;
		case 'N': req.flags |= WTLAB_F_NOACCT; break;
		case 'B': req.flags |= WTLAB_F_NO_BEGIN; break;
		case 's': req.flags |= WTLAB_F_STRIDE; break;
		case 'u': until_idle = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();

	if (!strcmp(cmd, "wait")) {
		dev = dev_open();
		if (ioctl(dev, WTLAB_IOC_WAIT))
			die("WTLAB_IOC_WAIT: %s", strerror(errno));
		return 0;
	}
	if (!path)
		usage();

	if (!strcmp(cmd, "wt") || !strcmp(cmd, "begin") || !strcmp(cmd, "end")) {
		unsigned long c = !strcmp(cmd, "wt") ? WTLAB_IOC_WRITETHROUGH :
				  !strcmp(cmd, "begin") ? WTLAB_IOC_BEGIN : WTLAB_IOC_END;

		dev = dev_open();
		fd = file_open(path, O_RDWR);
		req.fd = fd;
		if (ioctl(dev, c, &req))
			die("writethrough ioctl: %s", strerror(errno));
		return 0;
	}
	if (!strcmp(cmd, "state")) {
		struct wtlab_state st;

		dev = dev_open();
		fd = file_open(path, O_RDONLY);
		st = get_state(dev, fd);
		printf("ino=%llu inflight=%d mapping_stable=%u dev_stable=%u busy=%llu\n",
		       (unsigned long long)st.ino, st.inflight, st.mapping_stable,
		       st.dev_stable, (unsigned long long)st.busy);
		return 0;
	}
	if (!strcmp(cmd, "pwrite")) {
		unsigned long long writes = 0, slow = 0;
		double start = now(), worst = 0;
		char *buf;

		if (!max && !seconds && !until_idle)
			max = 1;
		dev = until_idle ? dev_open() : -1;
		fd = file_open(path, O_RDWR);
		buf = malloc(req.len);
		if (!buf)
			die("out of memory for %s bytes", "LEN");
		for (;;) {
			double t0, dt;

			memset(buf, 'a' + (int)(writes % 26), req.len);
			t0 = now();
			if (pwrite(fd, buf, req.len, (off_t)req.offset) != (ssize_t)req.len)
				die("pwrite: %s", strerror(errno));
			dt = now() - t0;
			writes++;
			if (dt > worst)
				worst = dt;
			if (dt > 0.001)
				slow++;
			if (max && writes >= max)
				break;
			if (seconds && now() - start >= seconds)
				break;
			if (until_idle && get_state(dev, fd).busy == 0)
				break;
		}
		printf("writes=%llu max_us=%.0f slow_1ms=%llu\n", writes, worst * 1e6, slow);
		return 0;
	}
	usage();
	return 2;
}
