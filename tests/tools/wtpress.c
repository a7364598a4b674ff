// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * wtpress: workloads that put wtstat's tables under pressure, on a
 * directory of a filesystem with stable writes (tests/live/pressure.sh,
 * tests/soak/soak.sh). Every file gets stable waits the same way: write a
 * page, start its writeback (sync_file_range WRITE, which never waits
 * itself), rewrite it while the writeback may still run.
 *
 *   wtpress files DIR N          N new files, one process: more files than
 *                                the per-file table holds
 *   wtpress procs DIR N K        N short-lived processes (8 alive at once),
 *                                each K rewrites of its own file, then exit
 *   wtpress churn DIR SECS LIVE  for SECS: create, rewrite, delete, with
 *                                LIVE files alive at a time
 *
 * Prints one line: files=.. rewrites=.. processes=.. deleted=..
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#define EXIT_USAGE	2
#define PAGE		4096
#define PROCS_ALIVE	8

static volatile sig_atomic_t stop;
static char page[PAGE];

static void on_signal(int sig)
{
	stop = 1;
}

static void __attribute__((noreturn)) usage(const char *why)
{
	fprintf(stderr, "wtpress: %s: use 'files DIR N', 'procs DIR N K' or 'churn DIR SECS LIVE'\n", why);
	exit(EXIT_USAGE);
}

static unsigned long number(const char *what, const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v == 0 || v > max) {
		fprintf(stderr, "wtpress: %s '%s' is not an integer in [1, %lu]\n", what, s, max);
		exit(EXIT_USAGE);
	}
	return v;
}

/* One file, rewrites times a page rewritten under its own writeback. */
static int stable_file(const char *dir, const char *prefix, unsigned long i, unsigned rewrites)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s%lu", dir, prefix, i);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || pwrite(fd, page, PAGE, 0) != PAGE)
		goto fail;
	for (unsigned r = 0; r < rewrites; r++) {
		if (sync_file_range(fd, 0, PAGE, SYNC_FILE_RANGE_WRITE) || pwrite(fd, page, PAGE, 0) != PAGE)
			goto fail;
	}
	return close(fd);
fail:
	fprintf(stderr, "wtpress: %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int run_files(const char *dir, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n && !stop; i++)
		if (stable_file(dir, "f", i, 1))
			return 1;
	printf("files=%lu rewrites=%lu processes=1 deleted=0\n", i, i);
	return 0;
}

static int reap(unsigned long *failed)
{
	int status;

	if (wait(&status) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		(*failed)++;
	return 0;
}

static int run_procs(const char *dir, unsigned long n, unsigned long k)
{
	unsigned long started = 0, alive = 0, failed = 0;

	for (; started < n && !stop; started++) {
		pid_t pid;

		if (alive == PROCS_ALIVE) {
			reap(&failed);
			alive--;
		}
		pid = fork();
		if (pid < 0) {
			fprintf(stderr, "wtpress: fork: %s\n", strerror(errno));
			break;
		}
		if (!pid)
			_exit(stable_file(dir, "p", started, k) ? 1 : 0);
		alive++;
	}
	while (alive && !reap(&failed))
		alive--;
	printf("files=%lu rewrites=%lu processes=%lu deleted=0 failed=%lu\n", started, started * k, started, failed);
	return failed || started < n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run_churn(const char *dir, unsigned long secs, unsigned long live)
{
	double end = now_s() + secs;
	unsigned long i = 0, deleted = 0;
	char path[4096];

	for (; !stop && now_s() < end; i++) {
		if (stable_file(dir, "c", i, 2))
			return 1;
		if (i >= live) {
			snprintf(path, sizeof(path), "%s/c%lu", dir, i - live);
			if (unlink(path)) {
				fprintf(stderr, "wtpress: %s: %s\n", path, strerror(errno));
				return 1;
			}
			deleted++;
		}
	}
	printf("files=%lu rewrites=%lu processes=1 deleted=%lu\n", i, 2 * i, deleted);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };

	if (argc < 3)
		usage("missing arguments");
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	memset(page, 'w', sizeof(page));
	if (!strcmp(argv[1], "files") && argc == 4)
		return run_files(argv[2], number("N", argv[3], 10000000));
	if (!strcmp(argv[1], "procs") && argc == 5)
		return run_procs(argv[2], number("N", argv[3], 1000000), number("K", argv[4], 1000));
	if (!strcmp(argv[1], "churn") && argc == 5)
		return run_churn(argv[2], number("SECS", argv[3], 86400), number("LIVE", argv[4], 1000000));
	usage("unknown mode or wrong number of arguments");
}
