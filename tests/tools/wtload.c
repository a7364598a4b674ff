// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * wtload: run the stable-wait workload, optionally on a private loop
 * filesystem whose stable_writes flag we choose, and print one summary
 * line that tests can parse. Static-friendly: no NSS, no util-linux.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "loopdev.h"
#include "workload.h"

#define EXIT_USAGE	2
#define DEFAULT_SIZE_MB	512	/* XFS wants >= 300 MB; sparse, so cheap */

struct args {
	const char *dir;
	bool scratch;
	bool stable;
	bool stable_set;
	const char *fstype;
	unsigned size_mb;
	double seconds;
	double delay;
	unsigned files, pages, writers, mmap_writers;
	bool writethrough, flusher, print_dev, keep, hold;
};

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	if (!stop_sig)
		stop_sig = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: wtload (--dir DIR | --scratch [--stable 0|1] [--fstype xfs|ext4]\n"
"              [--size-mb N]) [--seconds S] [--files N] [--pages N]\n"
"              [--writers N] [--mmap N] [--writethrough] [--no-flusher]\n"
"              [--print-dev] [--delay S] [--keep]\n"
"              [--hold-mount-until-stdin-closes]\n"
"Prints: writes=.. mmap_stores=.. writethroughs=.. flushes=..\n"
"        writethrough_supported=0|1 dev=MAJ:MIN ino=N file=PATH\n"
"--print-dev  print 'dev=MAJ:MIN ino=N file=PATH' before the run starts\n"
"--delay S    wait S seconds after that line (time to attach a tracer)\n"
"--keep       leave the scratch fs mounted and print 'mnt=PATH dir=DIR'\n");
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("wtload: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see --help)\n", stderr);
	exit(EXIT_USAGE);
}

static unsigned parse_uint(const char *opt, const char *s, unsigned lo,
			   unsigned hi)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi)
		die_usage("%s: '%s' is not an integer in [%u, %u]", opt, s, lo,
			  hi);
	return (unsigned)v;
}

static double parse_secs(const char *opt, const char *s, double lo)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= 86400.0 * 365))
		die_usage("%s: '%s' is not a number of seconds >= %g", opt, s,
			  lo);
	return v;
}

enum {
	OPT_DIR = 256, OPT_SCRATCH, OPT_STABLE, OPT_FSTYPE, OPT_SIZE,
	OPT_SECONDS, OPT_FILES, OPT_PAGES, OPT_WRITERS, OPT_MMAP, OPT_WT,
	OPT_NO_FLUSHER, OPT_PRINT_DEV, OPT_DELAY, OPT_KEEP, OPT_HOLD,
};

static const struct option long_opts[] = {
	{ "dir", required_argument, NULL, OPT_DIR },
	{ "scratch", no_argument, NULL, OPT_SCRATCH },
	{ "stable", required_argument, NULL, OPT_STABLE },
	{ "fstype", required_argument, NULL, OPT_FSTYPE },
	{ "size-mb", required_argument, NULL, OPT_SIZE },
	{ "seconds", required_argument, NULL, OPT_SECONDS },
	{ "files", required_argument, NULL, OPT_FILES },
	{ "pages", required_argument, NULL, OPT_PAGES },
	{ "writers", required_argument, NULL, OPT_WRITERS },
	{ "mmap", required_argument, NULL, OPT_MMAP },
	{ "writethrough", no_argument, NULL, OPT_WT },
	{ "no-flusher", no_argument, NULL, OPT_NO_FLUSHER },
	{ "print-dev", no_argument, NULL, OPT_PRINT_DEV },
	{ "delay", required_argument, NULL, OPT_DELAY },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "hold-mount-until-stdin-closes", no_argument, NULL, OPT_HOLD },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static void apply_opt(struct args *a, int c, const char *v)
{
	switch (c) {
	case OPT_DIR: a->dir = v; break;
	case OPT_SCRATCH: a->scratch = true; break;
	case OPT_STABLE:
		a->stable = parse_uint("--stable", v, 0, 1);
		a->stable_set = true;
		break;
	case OPT_FSTYPE:
		if (strcmp(v, "xfs") && strcmp(v, "ext4"))
			die_usage("--fstype: '%s' is not xfs or ext4", v);
		a->fstype = v;
		break;
	case OPT_SIZE: a->size_mb = parse_uint("--size-mb", v, 16, 1 << 20); break;
	case OPT_SECONDS: a->seconds = parse_secs("--seconds", v, 0.001); break;
	case OPT_FILES: a->files = parse_uint("--files", v, 1, 4096); break;
	case OPT_PAGES: a->pages = parse_uint("--pages", v, 1, 1 << 18); break;
	case OPT_WRITERS: a->writers = parse_uint("--writers", v, 0, 1024); break;
	case OPT_MMAP: a->mmap_writers = parse_uint("--mmap", v, 0, 1024); break;
	case OPT_WT: a->writethrough = true; break;
	case OPT_NO_FLUSHER: a->flusher = false; break;
	case OPT_PRINT_DEV: a->print_dev = true; break;
	case OPT_DELAY: a->delay = parse_secs("--delay", v, 0); break;
	case OPT_KEEP: a->keep = true; break;
	case OPT_HOLD: a->hold = true; break;
	}
}

static void check_args(const struct args *a)
{
	if (!!a->dir == a->scratch)
		die_usage("give exactly one of --dir DIR and --scratch");
	if (!a->scratch && (a->stable_set || a->fstype || a->keep ||
			    a->size_mb != DEFAULT_SIZE_MB))
		die_usage("--stable, --fstype, --size-mb and --keep need --scratch");
	if (!a->writers && !a->mmap_writers && !a->writethrough && !a->flusher)
		die_usage("nothing to run: no writers, mmap writers, writethrough or flusher");
}

static void parse_args(int argc, char **argv, struct args *a)
{
	int c;

	*a = (struct args){
		.stable = true, .size_mb = DEFAULT_SIZE_MB, .seconds = 5,
		.files = 1, .pages = 64, .writers = 1, .flusher = true,
	};
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == '?' || c == ':')
			die_usage("bad or incomplete option '%s'", argv[optind - 1]);
		apply_opt(a, c, optarg);
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	check_args(a);
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	size_t i;

	/* no SA_RESTART: a blocking read or sleep must notice the signal */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	/* a closed stdout must not kill us before the fs is cleaned up */
	signal(SIGPIPE, SIG_IGN);
}

static void sleep_interruptible(double secs)
{
	struct timespec ts = {
		.tv_sec = (time_t)secs,
		.tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9),
	};

	while (!stop_sig && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Create file 0 now: workload_run() truncates it but keeps the inode. */
static int announce_file(const char *dir)
{
	char path[300];
	struct stat st;
	int fd;

	if (workload_file_path(dir, 0, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	close(fd);
	printf("dev=%u:%u ino=%llu file=%s\n", major(st.st_dev),
	       minor(st.st_dev), (unsigned long long)st.st_ino, path);
	fflush(stdout);
	return 0;
}

static void print_summary(const struct workload_result *r)
{
	struct stat st = { 0 };

	if (stat(r->files[0], &st))
		fprintf(stderr, "wtload: stat %s: %s\n", r->files[0],
			strerror(errno));
	printf("writes=%llu mmap_stores=%llu writethroughs=%llu flushes=%llu "
	       "writethrough_supported=%d dev=%u:%u ino=%llu file=%s\n",
	       r->writes, r->mmap_stores, r->writethroughs, r->flushes,
	       r->writethrough_supported, major(st.st_dev), minor(st.st_dev),
	       (unsigned long long)st.st_ino, r->files[0]);
	fflush(stdout);
}

static void hold_until_eof(void)
{
	char buf[256];
	ssize_t n;

	while (!stop_sig) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EINTR))
			break;
	}
}

static int run(const struct args *a, const char *dir)
{
	struct workload_opts o = {
		.dir = dir, .files = a->files, .file_pages = a->pages,
		.seconds = a->seconds, .writers = a->writers,
		.mmap_writers = a->mmap_writers,
		.writethrough = a->writethrough, .flusher = a->flusher,
		.stop = &stop_sig,
	};
	struct workload_result r;
	char err[256];
	int ret;

	if (a->print_dev) {
		ret = announce_file(dir);
		if (ret) {
			fprintf(stderr, "wtload: create first file in %s: %s\n",
				dir, strerror(-ret));
			return ret;
		}
		sleep_interruptible(a->delay);
	}
	if (stop_sig)
		return 0;
	ret = workload_run(&o, &r, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "wtload: workload: %s\n", err);
		return ret;
	}
	print_summary(&r);
	return 0;
}

/* Leave the fs to the caller: only our loop fd goes, autoclear does the rest. */
static void keep_scratch(struct scratch_fs *fs)
{
	printf("mnt=%s dir=%s\n", fs->mnt, fs->dir);
	fflush(stdout);
	close(fs->loop_fd);
	fs->loop_fd = -1;
}

static int exit_code(int ret)
{
	if (stop_sig)
		return 128 + stop_sig;
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct scratch_fs fs = SCRATCH_FS_INIT;
	struct args a;
	char err[256];
	int ret;

	parse_args(argc, argv, &a);
	install_signals();
	if (!a.scratch) {
		ret = run(&a, a.dir);
		if (!ret && a.hold)
			hold_until_eof();
		return exit_code(ret);
	}
	ret = scratch_fs_create(&fs, a.size_mb, a.stable, a.fstype, err,
				sizeof(err));
	if (ret) {
		if (!stop_sig)
			fprintf(stderr, "wtload: scratch fs: %s\n", err);
		return exit_code(ret);
	}
	if (a.fstype && strcmp(a.fstype, fs.fstype))
		fprintf(stderr, "wtload: no usable mkfs.%s (or image too small), using %s\n",
			a.fstype, fs.fstype);
	ret = run(&a, fs.mnt);
	if (!ret && a.hold)
		hold_until_eof();
	if (a.keep && !ret && !stop_sig)
		keep_scratch(&fs);
	else
		scratch_fs_destroy(&fs);
	return exit_code(ret);
}
