// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The textfile writer's safety (src/prom.c, wt_textfile_replace): symlinks
 * planted at the final or the temp names are never written through, a
 * failed write keeps the previous file and leaves no temp file, and the
 * temp files of dead exporters are cleaned up. tests/live/exporter_safety.sh
 * does the same to a running exporter, with a full disk.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "prom.h"

#define NAME "wtstat.prom"

static char dir[64];

static int write_text(FILE *f, const void *arg)
{
	fputs(arg, f);
	return ferror(f) ? -1 : 0;
}

static int write_fails(FILE *f, const void *arg)
{
	fputs("partial", f);
	errno = ENOSPC;
	return -1;
}

static void path_of(char *buf, size_t len, const char *ent)
{
	snprintf(buf, len, "%s/%s", dir, ent);
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static char *slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* entries in dir other than . and .. */
static int entries(void)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void plant_temp_links(unsigned from, unsigned to, const char *target)
{
	char p[256], ent[128];

	for (unsigned seq = from; seq < to; seq++) {
		snprintf(ent, sizeof(ent), "." NAME ".%d.%u.tmp", (int)getpid(), seq);
		path_of(p, sizeof(p), ent);
		assert_int_equal(symlink(target, p), 0);
	}
}

static void remove_all(void)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

static int setup(void **state)
{
	strcpy(dir, "/tmp/wtstat-unit-textfile.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	return rmdir(dir);
}

static int empty_dir(void **state)
{
	remove_all();
	return 0;
}

/* Runs first: the writer's sequence numbers start at 0 in this process. */
static void test_symlinks_not_followed(void **state)
{
	char victim[128], final[256], err[256];
	struct stat st;

	snprintf(victim, sizeof(victim), "%s/victim", dir);
	put_file(victim, "precious\n");
	path_of(final, sizeof(final), NAME);
	assert_int_equal(symlink(victim, final), 0);
	plant_temp_links(0, 40, victim);

	assert_int_equal(wt_textfile_replace(dir, NAME, write_text, "new 1\n", err, sizeof(err)), 0);
	assert_string_equal(slurp(victim), "precious\n");
	assert_int_equal(lstat(final, &st), 0);
	assert_true(S_ISREG(st.st_mode));	/* the link itself was replaced */
	assert_string_equal(slurp(final), "new 1\n");
	assert_int_equal(entries(), 1 + 1 + 40);	/* victim, file, the planted links */
}

/* Every name it would try is taken: a clear error, the old file kept. */
static void test_all_temp_names_taken(void **state)
{
	char victim[128], final[256], err[256];

	snprintf(victim, sizeof(victim), "%s/victim", dir);
	put_file(victim, "precious\n");
	assert_int_equal(wt_textfile_replace(dir, NAME, write_text, "good\n", err, sizeof(err)), 0);
	/* the writer used 42 names so far: 40 skipped, two written */
	plant_temp_links(42, 42 + 100, victim);
	assert_int_equal(wt_textfile_replace(dir, NAME, write_text, "bad\n", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "exist: remove them"));
	assert_null(strchr(err, '\n'));
	path_of(final, sizeof(final), NAME);
	assert_string_equal(slurp(final), "good\n");
	assert_string_equal(slurp(victim), "precious\n");
	/* the next call goes on past the taken names */
	assert_int_equal(wt_textfile_replace(dir, NAME, write_text, "again\n", err, sizeof(err)), 0);
	assert_string_equal(slurp(final), "again\n");
}

static void test_failed_write_keeps_old_file(void **state)
{
	char final[256], err[256];
	struct stat st;

	umask(077);
	assert_int_equal(wt_textfile_replace(dir, NAME, write_text, "good\n", err, sizeof(err)), 0);
	umask(022);
	path_of(final, sizeof(final), NAME);
	assert_int_equal(stat(final, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(wt_textfile_replace(dir, NAME, write_fails, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, strerror(ENOSPC)));
	assert_string_equal(slurp(final), "good\n");
	assert_int_equal(entries(), 1);		/* no temp file left */
	assert_int_equal(wt_textfile_replace("/nonexistent-wtstat", NAME, write_text, "x", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent-wtstat"));
}

static void test_stale_temps_removed(void **state)
{
	const char *keep[] = { "." NAME ".1.0.tmp", ".other.prom.99999999.0.tmp", "." NAME ".x.0.tmp", NAME };
	char dead_name[128], own_name[128], p[256];
	pid_t dead = fork();

	if (!dead)
		_exit(0);
	waitpid(dead, NULL, 0);
	snprintf(dead_name, sizeof(dead_name), "." NAME ".%d.3.tmp", (int)dead);
	snprintf(own_name, sizeof(own_name), "." NAME ".%d.0.tmp", (int)getpid());
	path_of(p, sizeof(p), dead_name);
	close(open(p, O_CREAT | O_WRONLY, 0600));
	path_of(p, sizeof(p), own_name);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		path_of(p, sizeof(p), keep[i]);
		close(open(p, O_CREAT | O_WRONLY, 0600));
	}
	/* pid 1 is alive, the other name is not ours, "x" is no pid */
	assert_int_equal(wt_textfile_remove_stale(dir, NAME), 2);
	assert_int_equal(entries(), 4);
	assert_int_equal(wt_textfile_remove_stale("/nonexistent-wtstat", NAME), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_symlinks_not_followed, empty_dir),
		cmocka_unit_test_teardown(test_all_temp_names_taken, empty_dir),
		cmocka_unit_test_teardown(test_failed_write_keeps_old_file, empty_dir),
		cmocka_unit_test_teardown(test_stale_temps_removed, empty_dir),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
