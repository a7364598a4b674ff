// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Whether an output directory is writable by mode bits alone (src/privs.c):
 * it decides if CAP_DAC_OVERRIDE is kept after attach. The owner class
 * decides alone, then the group class, then others, as the kernel does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include "privs.h"

static struct stat dir(uid_t uid, gid_t gid, mode_t mode)
{
	struct stat st = { .st_uid = uid, .st_gid = gid, .st_mode = S_IFDIR | mode };

	return st;
}

static void test_owner(void **state)
{
	struct stat st = dir(0, 0, 0755);

	assert_true(wt_dir_writable_by_mode(&st, 0, 0, NULL, 0));
	st = dir(0, 0, 0555);		/* read-only for its owner */
	assert_false(wt_dir_writable_by_mode(&st, 0, 0, NULL, 0));
	st = dir(0, 0, 0600);		/* writable, not searchable */
	assert_false(wt_dir_writable_by_mode(&st, 0, 0, NULL, 0));
}

static void test_owner_class_decides_alone(void **state)
{
	/* others may write, the owner may not: the owner may not */
	struct stat st = dir(0, 0, 0577);

	assert_false(wt_dir_writable_by_mode(&st, 0, 0, NULL, 0));
}

static void test_other_users_directory(void **state)
{
	struct stat st = dir(65534, 65534, 0700);	/* nobody's, as the textfile dir of another user */

	assert_false(wt_dir_writable_by_mode(&st, 0, 0, NULL, 0));
	st = dir(65534, 65534, 0777);
	assert_true(wt_dir_writable_by_mode(&st, 0, 0, NULL, 0));
	st = dir(65534, 65534, 01777);		/* sticky, like /tmp: our own temp file is renamed */
	assert_true(wt_dir_writable_by_mode(&st, 0, 0, NULL, 0));
}

static void test_groups(void **state)
{
	gid_t groups[] = { 10, 998 };
	struct stat st = dir(998, 998, 0770);	/* prometheus:prometheus, group-writable */

	assert_true(wt_dir_writable_by_mode(&st, 0, 0, groups, 2));
	assert_false(wt_dir_writable_by_mode(&st, 0, 0, groups, 1));
	assert_true(wt_dir_writable_by_mode(&st, 0, 998, NULL, 0));	/* the primary group counts */
	st = dir(998, 998, 0707);		/* group class denies even though others may */
	assert_false(wt_dir_writable_by_mode(&st, 0, 998, NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_owner_class_decides_alone),
		cmocka_unit_test(test_other_users_directory),
		cmocka_unit_test(test_groups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
